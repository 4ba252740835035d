# The request event of the ASGI server, written as its JSON line directly (the fields are those of
# asgi_report.http_event, declared in asgi-events.ts). Under a load test the server answers
# thousands of requests a second, and building each event as nested dicts only for json to take
# them apart again cost more CPU than parsing the request and calling the app together. The
# same line, made by hand: strings through json's own quoting, numbers as json writes them, and
# the parts that repeat from request to request (a client's header list, an app's answer
# headers, the app's messages) remembered as JSON text. A test (tests/test_asgi_event.py) checks
# that this line is byte for byte what the JSON encoder makes of http_event(), whatever the
# request held.
from json.encoder import encode_basestring_ascii as quote   # json's own (C) string quoting

from wsgi_event import ms      # repr(round(seconds * 1000, 2)) at a third of the price (see there)
from wsgi_event import pairs as str_pairs


def http_event_line(cycle):
    """The `request` event of one HTTP cycle (asgi_cycle.HttpCycle), as the bytes of a JSON line;
    None for a scope the app gave keys that only a websocket scope has (http_event() then)."""
    conn, head, scope = cycle.conn, cycle.head, cycle.scope
    if 'subprotocols' in scope:
        return None
    started = cycle.started
    error = cycle.error
    log = cycle.message_log
    tail = f',"messagesDropped":{log.dropped}' if log.dropped else ''
    if error:
        tail += f',"error":{quote(error)}'
    return (
        f'{{"event":"request","conn":{conn.conn},"remote":{quote(conn.remote)},'
        f'"method":{quote(head.method)},"target":{quote(head.target.decode("latin-1"))},'
        f'"httpVersion":{quote(head.http_version)},"headers":{pairs(head.raw_headers)},'
        f'"status":{number(cycle.status)},"responseHeaders":{pairs(cycle.response_headers)},'
        f'"durationMs":{ms(cycle.ended - started)},"start":{int(started * 1000)},'
        f'"end":{int(cycle.ended * 1000)},"scope":{scope_json(scope)},"engine":"lab",'
        f'"bytes":{cycle.bytes_sent},"requestBytes":{cycle.received},"bodyEvents":{cycle.body_events},'
        f'"firstBodyMs":{number(cycle.first_body_ms)},"stalledMs":{number(cycle.stalled_at_end)},'
        f'"aborted":{"true" if cycle.disconnected and not cycle.complete else "false"},'
        f'"messages":{log.json()}{tail}}}\n'
    ).encode()


def scope_json(scope):
    """asgi_report.scope_summary() of an http scope, as JSON."""
    client, server, state = scope['client'], scope['server'], scope['state']
    keys = ','.join([quote(key) for key in sorted(map(str, state))]) if state else ''
    return (
        f'{{"type":{quote(scope["type"])},"httpVersion":{quote(scope["http_version"])},'
        f'"method":{quote(scope["method"])},"scheme":{quote(scope["scheme"])},"path":{quote(scope["path"])},'
        f'"rawPath":{quote(scope["raw_path"].decode("latin-1"))},'
        f'"queryString":{quote(scope["query_string"].decode("latin-1"))},"rootPath":{quote(scope["root_path"])},'
        f'"client":[{quote(client[0])},{client[1]}],"server":[{quote(server[0])},{server[1]}],'
        f'"stateKeys":[{keys}]}}'
    )


def number(value):
    """An int, a float or None as json writes it."""
    if value is None:
        return 'null'
    return float.__repr__(value) if isinstance(value, float) else str(int(value))


def pairs(headers):
    """[(name, value), ...] of bytes as JSON text, latin-1 keeping every byte (remembered as
    wsgi_event.pairs remembers them)."""
    return str_pairs(headers, latin1)


def latin1(data):
    return data.decode('latin-1')
