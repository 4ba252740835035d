#!/bin/sh
# What came in: the query string from the URL, and the body from standard input.
printf 'Content-Type: text/plain\n\n'
echo "REQUEST_METHOD: $REQUEST_METHOD"
echo "QUERY_STRING:   $QUERY_STRING"
if [ -n "$CONTENT_LENGTH" ]; then
  # Read exactly CONTENT_LENGTH bytes: the server need not close stdin after the body (RFC 3875 §4.2).
  echo "CONTENT_TYPE:   $CONTENT_TYPE"
  echo "CONTENT_LENGTH: $CONTENT_LENGTH"
  printf 'body:           %s\n' "$(head -c "$CONTENT_LENGTH")"
else
  echo "(no body: CONTENT_LENGTH is not set)"
fi
# The query string arrives still URL-encoded; split it on "&" to see its fields.
echo "query fields:"
printf '%s\n' "$QUERY_STRING" | tr '&' '\n' | sed 's/^/  /'
