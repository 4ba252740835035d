#!/usr/bin/env python3
# The same handler as the FastCGI app runs (../handler.py), run the CGI way: the CGI server starts
# this script, a new Python process, for every single request. It imports the handler, calls it
# once with the meta-variables and the body, prints the answer, and exits.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from handler import handle  # noqa: E402

body = sys.stdin.buffer.read(int(os.environ.get('CONTENT_LENGTH') or 0))
answer = handle(dict(os.environ), body)
sys.stdout.buffer.write(answer.encode('utf-8') if isinstance(answer, str) else (answer or b''))
