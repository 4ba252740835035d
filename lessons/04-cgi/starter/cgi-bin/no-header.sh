#!/bin/sh
# Broken on purpose: it prints a body, but no header block and no empty line before it.
echo "Hello! (but where is my Content-Type?)"
