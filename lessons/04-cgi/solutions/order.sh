#!/bin/sh
# A solution for "A script that answers exactly", in POSIX shell.
#   POST /cgi-bin/order?item=NAME with the form body qty=N (maybe among other fields)
#   → 201 Created, Content-Type: text/plain, X-Order: NAME, body "N x NAME"
#   any other method → 405 Method Not Allowed, with Allow: POST
if [ "$REQUEST_METHOD" != "POST" ]; then
  printf 'Status: 405 Method Not Allowed\nAllow: POST\nContent-Type: text/plain\n\n'
  echo "Send a POST."
  exit 0
fi

# One field of an application/x-www-form-urlencoded string: split on "&", keep the value after "NAME=".
field() {
  printf '%s\n' "$2" | tr '&' '\n' | sed -n "s/^$1=//p" | head -n 1
}

body=$(head -c "${CONTENT_LENGTH:-0}")
item=$(field item "$QUERY_STRING")
qty=$(field qty "$body")

printf 'Status: 201 Created\n'
printf 'Content-Type: text/plain\n'
printf 'X-Order: %s\n' "$item"
printf '\n'
printf '%s x %s\n' "$qty" "$item"
