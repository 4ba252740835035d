# The request event written by hand (asgi_event.http_event_line) is byte for byte the line the
# JSON encoder makes of the same event as a dict (asgi_report.http_event + gt_lab.encode), whatever
# the request held: quotes, control characters, latin-1 bytes, odd numbers, many messages, errors.
import json
import os
import sys
import unittest
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from asgi_event import http_event_line  # noqa: E402
from asgi_head import parse_head  # noqa: E402
from asgi_report import MessageLog, http_event  # noqa: E402
from gt_lab import encode  # noqa: E402

HOSTILE = '"\\/\b\f\n\r\t\x00\x1f\x7f é ÿ \u2028'   # every character JSON treats apart, and more


def cycle(head=b'GET / HTTP/1.1\r\nHost: 127.0.0.1:8700', status=200, response_headers=None, error=None,
          state=None, sends=(), receives=(), started=1764515818.123456, ended=1764515818.1239, **more):
    head = parse_head(head)
    scope = {'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': head.http_version,
             'method': head.method, 'scheme': 'http', 'path': head.path, 'raw_path': head.raw_path,
             'query_string': head.query_string, 'root_path': '', 'headers': head.headers,
             'client': ('127.0.0.1', 50123), 'server': ('127.0.0.1', 8700), 'state': state or {}}
    log = MessageLog()
    for message in receives:
        log.received(message)
    for message in sends:
        log.sent(message)
    fields = dict(conn=SimpleNamespace(conn=7, remote='127.0.0.1:50123'), head=head, scope=scope, status=status,
                  response_headers=[(b'content-type', b'text/plain')] if response_headers is None else response_headers,
                  started=started, ended=ended, error=error, bytes_sent=13, received=0, body_events=1,
                  first_body_ms=0.42, stalled_ms=0, stalled_at_end=0, disconnected=False, complete=True,
                  message_log=log)
    fields.update(more)
    return SimpleNamespace(**fields)


class HttpEventLine(unittest.TestCase):
    def same(self, c):
        line = http_event_line(c)
        self.assertEqual(line, encode(http_event(c)))
        self.assertTrue(line.endswith(b'\n'))
        return json.loads(line)

    def test_the_hello_request(self):
        event = self.same(cycle(sends=[{'type': 'http.response.start', 'status': 200, 'headers': [(b'a', b'b')]},
                                       {'type': 'http.response.body', 'body': b'Hello, World!'}]))
        self.assertEqual(event['messages'][0], {'dir': 'send', 'type': 'http.response.start',
                                                'fields': [['status', '200'], ['headers', '<1 pairs>']]})
        self.assertEqual(event['durationMs'], 0.44)

    def test_the_same_messages_again_give_the_same_text(self):
        sends = [{'type': 'http.response.body', 'body': b'x', 'more_body': True}]
        self.same(cycle(sends=sends))
        self.same(cycle(sends=sends))

    def test_hostile_bytes_and_strings(self):
        raw = ('GET /a%C3%A9?q="x"&\xe9 HTTP/1.0\r\nX-Odd: ' + HOSTILE.replace('\r', '').replace('\n', '')
               .replace('\x00', '')).encode('latin-1', 'replace')
        event = self.same(cycle(raw, status=404, response_headers=[(HOSTILE.encode('utf-8'), b'\xff\x00')],
                                error=HOSTILE, state={'db': 1, 2: 'two', HOSTILE: None}))
        self.assertEqual(event['error'], HOSTILE)

    def test_nothing_sent_no_headers_and_none_numbers(self):
        self.same(cycle(status=None, response_headers=[], first_body_ms=None, body_events=0, bytes_sent=0,
                        disconnected=True, complete=False))

    def test_many_messages_are_counted_past_the_first_forty(self):
        receives = [{'type': 'http.request', 'body': b'x' * i, 'more_body': i < 59} for i in range(60)]
        event = self.same(cycle(receives=receives, received=1770, stalled_at_end=1234))
        self.assertEqual(event['messagesDropped'], 20)

    def test_numbers_json_writes_by_repr(self):
        for started, ended in [(0.1, 0.3), (1e9, 1e9 + 123.456789), (1764515818.0, 1764515819.0)]:
            self.same(cycle(started=started, ended=ended, first_body_ms=round((ended - started) * 1000, 2)))

    def test_a_scope_the_app_changed_oddly_is_left_to_the_encoder(self):
        c = cycle()
        c.scope['subprotocols'] = ['x']
        self.assertIsNone(http_event_line(c))
        c = cycle()
        c.scope['path'] = b'/bytes'
        with self.assertRaises(TypeError):
            http_event_line(c)      # asgi_server.record_request then writes http_event() instead


if __name__ == '__main__':
    unittest.main()
