#!/usr/bin/env python3
"""echo.sh in Python, without the `cgi` module (deprecated by PEP 594, removed in Python 3.13).

os.environ holds the meta-variables, sys.stdin.buffer the body (bytes), urllib.parse decodes
query strings and form bodies, and the email package parses multipart/form-data.
"""
import os
import sys
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

method = os.environ["REQUEST_METHOD"]
query = parse_qs(os.environ["QUERY_STRING"])  # {"lang": ["en"]}: a name can repeat
length = int(os.environ.get("CONTENT_LENGTH") or 0)
body = sys.stdin.buffer.read(length)  # never more than CONTENT_LENGTH bytes
content_type = os.environ.get("CONTENT_TYPE", "")

fields = {}
if content_type.startswith("application/x-www-form-urlencoded"):
    fields = parse_qs(body.decode("utf-8"))
elif content_type.startswith("multipart/form-data"):
    # A multipart body is a MIME message without its header: give it its Content-Type back.
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields.setdefault(name, []).append(part.get_content())

sys.stdout.write("Content-Type: text/plain; charset=utf-8\r\n\r\n")
print(f"REQUEST_METHOD: {method}")
print(f"query:          {query}")
print(f"CONTENT_TYPE:   {content_type or '(none)'}")
print(f"body fields:    {fields}")
print(f"python:         {sys.version.split()[0]}, process {os.getpid()}")
