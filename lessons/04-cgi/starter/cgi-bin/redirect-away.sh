#!/bin/sh
# A client redirect (RFC 3875 §6.2.3): an absolute URI. The server answers 302 Found with it.
printf 'Location: https://www.rfc-editor.org/rfc/rfc3875\n\n'
