#!/usr/bin/env python3
"""A solution for "A script that answers exactly", in Python (no `cgi` module: it is gone in 3.13)."""
import os
import sys
from urllib.parse import parse_qs

if os.environ["REQUEST_METHOD"] != "POST":
    sys.stdout.write("Status: 405 Method Not Allowed\nAllow: POST\nContent-Type: text/plain\n\nSend a POST.\n")
    sys.exit(0)

item = parse_qs(os.environ["QUERY_STRING"]).get("item", [""])[0]
body = sys.stdin.buffer.read(int(os.environ.get("CONTENT_LENGTH") or 0))
qty = parse_qs(body.decode("utf-8")).get("qty", [""])[0]

sys.stdout.write("Status: 201 Created\n")
sys.stdout.write("Content-Type: text/plain\n")
sys.stdout.write(f"X-Order: {item}\n")
sys.stdout.write("\n")
sys.stdout.write(f"{qty} x {item}\n")
