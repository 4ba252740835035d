#!/usr/bin/env python3
# The same handler as the FastCGI app runs (../handler.py), run the CGI way: the CGI server starts
# this script, a new Python process, for every single request. It imports the handler, calls it
# once with the meta-variables and the body, prints the answer, and exits.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from handler import handle  # noqa: E402

body = sys.stdin.buffer.read(int(os.environ.get('CONTENT_LENGTH') or 0))
# The meta-variables as the FastCGI app hands them over: one character a byte (latin-1), so the
# handler sees the same str either way (os.environ would decode them as UTF-8 instead).
params = {name.decode('latin-1'): value.decode('latin-1') for name, value in os.environb.items()}
answer = handle(params, body)
sys.stdout.buffer.write(answer.encode('utf-8') if isinstance(answer, str) else (answer or b''))
