#!/bin/sh
# What came in: the query string from the URL, and the body from standard input.
printf 'Content-Type: text/plain\n\n'
echo "REQUEST_METHOD: $REQUEST_METHOD"
echo "QUERY_STRING:   $QUERY_STRING"
body=
if [ -n "$CONTENT_LENGTH" ]; then
  # Read exactly CONTENT_LENGTH bytes: the server need not close stdin after the body (RFC 3875 §4.2).
  body=$(head -c "$CONTENT_LENGTH")
  echo "CONTENT_TYPE:   $CONTENT_TYPE"
  echo "CONTENT_LENGTH: $CONTENT_LENGTH"
  printf 'body:           %s\n' "$body"
else
  echo "(no body: CONTENT_LENGTH is not set)"
fi
# Both arrive still URL-encoded (+ for a space, %26 for an "&" in a value); split them on "&" to
# see their fields. A real script would decode each name and value too.
if [ -n "$QUERY_STRING" ]; then
  echo "query fields:"
  printf '%s\n' "$QUERY_STRING" | tr '&' '\n' | sed 's/^/  /'
fi
if [ -n "$body" ]; then
  echo "body fields:"
  printf '%s\n' "$body" | tr '&' '\n' | sed 's/^/  /'
fi
