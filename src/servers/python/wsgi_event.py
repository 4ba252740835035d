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
    them (a float by its repr: see ms())."""
    return (
        f'{{"event":"request","conn":{conn},"remote":{quote(remote)},'
        f'"method":{quote(request.method)},"target":{quote(request.target)},'
        f'"httpVersion":{quote(request.version_text)},"headers":{pairs(request.headers)},'
        f'"status":{"null" if status is None else status},'
        f'"responseHeaders":{pairs(response_headers)},'
        f'"durationMs":{ms(ended - started)},"pid":{pid},'
        f'"start":{ms(started)},"end":{ms(ended)},'
        f'"app":{"null" if app is None else quote(app)},"bytes":{body_bytes}}}\n'
    ).encode()


def ms(seconds):
    """repr(round(seconds * 1000, 2)), the way json writes a time of the event, at a third of
    the price (half of this event's cost was these three numbers). Both round alike: '%.2f'
    and round() ask the same correctly rounded decimal digits of the same float. And that
    text without its trailing zeros is the shortest one that reads back as the rounded float,
    which is what repr writes: while floats lie closer than 0.005 together (below 2**44 ms,
    until the year 2527), no shorter text lands on the same float. The test compares the two."""
    text = f'{seconds * 1000:.2f}'.rstrip('0')
    return text + '0' if text.endswith('.') else text      # '1.50' → '1.5', '2.00' → '2.0'


def pairs(headers, as_text=None):
    """[(name, value), ...] as JSON: [["name","value"],...]. A client sends the same headers
    request after request, and an app answers with the same ones (but Date, once a second):
    the JSON of a list seen before is remembered, which costs less than quoting it again.
    `as_text` turns a name or value into str first (the ASGI server's are bytes)."""
    key = tuple(headers)
    text = _known_json.get(key)
    if text is None:
        if len(_known_json) >= MAX_KNOWN:
            _known_json.clear()               # ever new headers (a Date, a cookie...): start afresh
        if as_text is not None:
            headers = [(as_text(name), as_text(value)) for name, value in headers]
        text = _known_json[key] = '[' + ','.join([f'[{quote(name)},{quote(value)}]'
                                                  for name, value in headers]) + ']'
    return text


_known_json = {}        # tuple of (name, value) pairs → their JSON, for pairs()
MAX_KNOWN = 64           # lists; a few per client and app, and each may be long (32 KiB of headers)
