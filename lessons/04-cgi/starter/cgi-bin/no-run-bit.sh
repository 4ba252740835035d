#!/bin/sh
# Broken on purpose: this file has no run bit (chmod -x), so the server refuses to start it.
printf 'Content-Type: text/plain\n\n'
echo "If you read this, someone ran chmod +x on me."
