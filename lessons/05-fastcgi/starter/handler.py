# Your FastCGI handler. The lab's app processes import this file once and then call handle() for
# every request that reaches them: the process stays up between requests, and so does everything
# it loaded or counted. Save the file and the next request runs the new version.
import os
import sys
import time
from urllib.parse import parse_qs

served = 0   # lives as long as the process: a CGI script would start from 0 every time


def handle(params, body):
    """params: the request's PARAMS, the CGI variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING,
    CONTENT_LENGTH, HTTP_USER_AGENT...), as a dict of str. PARAMS are bytes; each str holds them
    one character a byte (latin-1), so /caf%C3%A9, which arrives as the UTF-8 bytes of /café,
    reads '/cafÃ©' here: params['PATH_INFO'].encode('latin-1').decode('utf-8') gives '/café'.
    body: the request body, bytes (it came in STDIN records).
    Return what a CGI program would print: header lines, an empty line, then the body.
    (You may also print() it, as a CGI script does, and return nothing.)"""
    global served
    served += 1
    path = params.get('PATH_INFO', '/')

    if path == '/echo':
        text = body.decode('utf-8', 'replace')
        return ('Content-Type: text/plain; charset=utf-8\r\n'
                '\r\n'
                f'{params.get("REQUEST_METHOD")} with a body of {len(body)} bytes '
                f'(CONTENT_LENGTH={params.get("CONTENT_LENGTH", "unset")}):\n{text}\n')

    if path == '/slow':
        seconds = float(parse_qs(params.get('QUERY_STRING', '')).get('seconds', ['2'])[0])
        time.sleep(min(seconds, 30))
        return 'Content-Type: text/plain\r\n\r\nsorry, that took a while\n'

    if path == '/oops':
        print('about to fail on purpose', file=sys.stderr)   # travels as STDERR records
        raise RuntimeError('this handler fails on purpose')

    name = parse_qs(params.get('QUERY_STRING', '')).get('name', ['world'])[0]
    return ('Content-Type: text/plain; charset=utf-8\r\n'
            '\r\n'
            f'Hello, {name}! Process {os.getpid()} answered; it has served {served} request(s) so far.\n')
