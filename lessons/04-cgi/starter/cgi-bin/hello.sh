#!/bin/sh
# The smallest CGI script: a header block, an empty line, a body.
# $$ is this shell's process id: the process the server started for this request.
printf 'Content-Type: text/plain\n'
printf '\n'
echo "Hello from process $$"
