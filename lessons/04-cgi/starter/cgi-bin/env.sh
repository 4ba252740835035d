#!/bin/sh
# Prints the environment this script was started with: the request, as meta-variables.
printf 'Content-Type: text/plain\n\n'
env | sort
# A body, if any, is read and dropped. A script need not read it (RFC 3875 §4.2), but some servers
# (Apache's mod_cgid, for one) may leave the answer unfinished when the input is left unread.
if [ -n "$CONTENT_LENGTH" ]; then head -c "$CONTENT_LENGTH" >/dev/null; fi
