# What the journey view shows as "the scope the app was called with" must be the scope the app
# really got: the asgiref specs give an http scope a "method" and a websocket scope none.
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from asgi_report import scope_summary  # noqa: E402

COMMON = {'http_version': '1.1', 'path': '/ws', 'raw_path': b'/ws', 'query_string': b'',
          'root_path': '', 'headers': [], 'client': ('127.0.0.1', 5000), 'server': ('127.0.0.1', 8901)}


class ScopeSummaryTest(unittest.TestCase):
    def test_a_websocket_scope_has_no_method(self):
        summary = scope_summary({**COMMON, 'type': 'websocket', 'scheme': 'ws', 'subprotocols': []})
        self.assertNotIn('method', summary)
        self.assertEqual(summary['subprotocols'], [])

    def test_an_http_scope_keeps_its_method(self):
        summary = scope_summary({**COMMON, 'type': 'http', 'scheme': 'http', 'method': 'POST'})
        self.assertEqual(summary['method'], 'POST')


if __name__ == '__main__':
    unittest.main()
