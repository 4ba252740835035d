# The request event of the WSGI server (its fields are declared in wsgi-events.ts): what the tutor
# learns about each request, one JSON line on the event pipe.
#
# Two ways to the same line. request_event() builds the event as a dict, which any event can be
# and which gt_lab's JSON encoder turns into a line. request_line() writes the line of the common
# request (no error, nothing else to add) directly as text: under a load test a worker writes
# thousands of these a second, and building a dict only for json to take it apart again cost
# more than the rest of the event. A test (tests/test_wsgi_event.py) checks that both give the
# same bytes, whatever the request held.
from json.encoder import encode_basestring_ascii as quote   # json's own (C) string quoting


def request_event(conn, remote, request, status, response_headers, started, ended, pid, app,
                  body_bytes):
    """The event as a dict, for events that carry more (an error, validator notes...)."""
    return {
        'event': 'request', 'conn': conn, 'remote': remote,
        'method': request.method, 'target': request.target, 'httpVersion': request.version_text,
        'headers': request.headers,                   # (name, value) tuples: JSON arrays
        'status': status,
        'responseHeaders': response_headers,
        'durationMs': round((ended - started) * 1000, 2),
        'pid': pid, 'start': round(started * 1000, 2), 'end': round(ended * 1000, 2),
        'app': app, 'bytes': body_bytes,
    }


def request_line(conn, remote, request, status, response_headers, started, ended, pid, app,
                 body_bytes):
    """The same event as request_event(), as the bytes of its JSON line. Strings go through
    json's own quoting (so "é" is \\u00e9 there as here), numbers are written as json writes
    them (a float by its repr)."""
    return (
        f'{{"event":"request","conn":{conn},"remote":{quote(remote)},'
        f'"method":{quote(request.method)},"target":{quote(request.target)},'
        f'"httpVersion":{quote(request.version_text)},"headers":{pairs(request.headers)},'
        f'"status":{"null" if status is None else status},'
        f'"responseHeaders":{pairs(response_headers)},'
        f'"durationMs":{round((ended - started) * 1000, 2)!r},"pid":{pid},'
        f'"start":{round(started * 1000, 2)!r},"end":{round(ended * 1000, 2)!r},'
        f'"app":{"null" if app is None else quote(app)},"bytes":{body_bytes}}}\n'
    ).encode()


def pairs(headers):
    """[(name, value), ...] as JSON: [["name","value"],...]"""
    return '[' + ','.join([f'[{quote(name)},{quote(value)}]' for name, value in headers]) + ']'
