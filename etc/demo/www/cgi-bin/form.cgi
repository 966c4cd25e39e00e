#!/bin/sh
# form.cgi -- show a form; on POST, read exactly CONTENT_LENGTH bytes and
# print the fields back, decoded and HTML-escaped.
escape() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}
# application/x-www-form-urlencoded: '+' is a space, %XX a byte.
urldecode() {
	awk 'BEGIN { for (i = 1; i < 256; i++) byte[sprintf("%02X", i)] = sprintf("%c", i) }
	{
		gsub(/\+/, " ")
		out = ""
		while (match($0, /%[0-9A-Fa-f][0-9A-Fa-f]/)) {
			out = out substr($0, 1, RSTART - 1) \
			    byte[toupper(substr($0, RSTART + 1, 2))]
			$0 = substr($0, RSTART + 3)
		}
		print out $0
	}'
}
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
printf '<!DOCTYPE html>\n<html><head><title>form</title></head><body>\n'
if [ "$REQUEST_METHOD" = POST ]; then
	body=$(head -c "${CONTENT_LENGTH:-0}")
	printf '<h1>You sent</h1>\n<ul id="fields">\n'
	printf '%s\n' "$body" | tr '&' '\n' | while IFS='=' read -r k v; do
		printf '<li>%s = %s</li>\n' \
		    "$(printf '%s\n' "$k" | urldecode | escape)" \
		    "$(printf '%s\n' "$v" | urldecode | escape)"
	done
	printf '</ul>\n'
else
	printf '<h1>Say something</h1>\n'
	printf '<form method="post"><input name="name" value="portier">\n'
	printf '<input name="words" value="hello there">\n'
	printf '<button type="submit">send</button></form>\n'
fi
printf '</body></html>\n'
