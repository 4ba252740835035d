# The request event written by hand (wsgi_event.request_line) is byte for byte the line the JSON
# encoder makes of the same event as a dict (request_event + gt_lab.encode), whatever the request
# held: quotes, backslashes, control characters, latin-1 and odd numbers.
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gt_lab import encode  # noqa: E402
from wsgi_event import request_event, request_line  # noqa: E402
from wsgi_http import Request  # noqa: E402

HOSTILE = '"\\/\b\f\n\r\t\x00\x1f\x7f é ÿ \u2028'   # every character JSON treats apart, and latin-1


def request(method='GET', target='/', version=(1, 1), headers=None):
    return Request(method, target, version, [('Host', '127.0.0.1:8600')] if headers is None else headers)


class RequestLine(unittest.TestCase):
    def same(self, *fields):
        line = request_line(*fields)
        self.assertEqual(line, encode(request_event(*fields)))
        self.assertTrue(line.endswith(b'\n'))
        return json.loads(line)

    def test_a_plain_request(self):
        event = self.same(7, '127.0.0.1:5000', request(), 200,
                          [('Content-Type', 'text/plain'), ('Content-Length', '13')],
                          1764515818.123456, 1764515818.1239, 4242, 'app:app', 13)
        self.assertEqual(event['headers'], [['Host', '127.0.0.1:8600']])
        self.assertEqual(event['durationMs'], 0.44)

    def test_strings_with_every_character_json_escapes(self):
        self.same(1, HOSTILE, request('GET', '/' + HOSTILE, (1, 0), [(HOSTILE, HOSTILE), ('X', '')]),
                  404, [(HOSTILE, HOSTILE)], 0.0, 1e-7, 1, HOSTILE, 0)

    def test_no_status_no_app_no_headers(self):
        event = self.same(2**40, '', request(headers=[]), None, [], 1.5, 1.5, 0, None, 0)
        self.assertIsNone(event['status'])
        self.assertIsNone(event['app'])

    def test_numbers_json_writes_by_repr(self):
        for started, ended in [(0.1, 0.3), (1e12, 1e12 + 123.456789), (1764515818.0, 1764515819.0),
                               (123456789012345.678, 123456789012346.0)]:
            self.same(3, 'r', request(), 500, [('A', 'b')], started, ended, 99, 'a:b', 10**12)


if __name__ == '__main__':
    unittest.main()
