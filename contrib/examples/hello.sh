#!/bin/sh
# hello.sh -- a service written as a shell script: greet the client by address
# The connection is stdin/stdout; portierd tells us who it is in $TCPREMOTEIP.
printf 'Hello %s, this is %s on port %s.\n' "${TCPREMOTEIP:-stranger}" \
    "${PORTIER_SERVICE:-portier}" "${TCPLOCALPORT:-?}"
printf 'Type a line and I will shout it back.\n'
IFS= read -r line || exit 0
printf '%s\n' "$line" | tr '[:lower:]' '[:upper:]'
