# The request event written by hand (wsgi_event.request_line) is byte for byte the line the JSON
# encoder makes of the same event as a dict (request_event + gt_lab.encode), whatever the request
# held: quotes, backslashes, control characters, latin-1 and odd numbers.
import json
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gt_lab import encode  # noqa: E402
from wsgi_event import ms, request_event, request_line  # noqa: E402
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
        for started, ended in [(0.1, 0.3), (1e9, 1e9 + 123.456789), (1764515818.0, 1764515819.0),
                               (17592186040.123, 17592186044.4)]:     # the last: near 2**44 ms
            self.same(3, 'r', request(), 500, [('A', 'b')], started, ended, 99, 'a:b', 10**12)

    def test_times_as_json_writes_them_today_and_for_centuries(self):
        # ms() formats with '%.2f' instead of round() and repr(): the same text for every time
        # from now to 2**44 ms, for durations of microseconds to days, and for a clock that
        # stepped back (a negative duration).
        rng = random.Random(14)
        now = time.time()
        values = [0.0, -0.0, 1e-9, 0.005, 0.015, 0.0149999, 2.675e-3, 1.0, 100.0, 2**44 / 1000 - 1]
        values += [now + rng.uniform(-1e6, 1e6) for _ in range(20000)]
        values += [rng.uniform(-1, 1) * 10 ** rng.uniform(-7, 10) for _ in range(20000)]
        values += [rng.randrange(2**44) / 1e5 for _ in range(20000)]
        for seconds in values:
            self.assertEqual(ms(seconds), repr(round(seconds * 1000, 2)), seconds)


if __name__ == '__main__':
    unittest.main()
