#!/bin/sh
# Prints the environment this script was started with: the request, as meta-variables.
printf 'Content-Type: text/plain\n\n'
env | sort
