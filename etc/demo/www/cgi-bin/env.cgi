#!/bin/sh
# env.cgi -- print the CGI environment the server built for this request.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'CGI/1.1 environment of this request:\n\n'
env | LC_ALL=C sort
