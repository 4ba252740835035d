#!/bin/no-such-shell
# Broken on purpose: the #! line names an interpreter that does not exist.
printf 'Content-Type: text/plain\n\n'
echo "never printed"
