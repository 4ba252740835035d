#!/bin/sh
# A local redirect (RFC 3875 §6.2.2): a Location that is a path, and nothing else.
# The client never sees it: the server serves /cgi-bin/hello.sh instead, as a new request.
printf 'Location: /cgi-bin/hello.sh\n\n'
