# parse_head on hostile heads: every refusal is an HttpError (a 4xx/5xx the worker sends), never
# another exception, which would end the worker. The head is parsed as latin-1 text, where some
# bytes are digits to str.isdigit() but not to int().
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wsgi_http import HttpError, parse_head  # noqa: E402


def head(*lines):
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')


class ParseHeadTest(unittest.TestCase):
    def test_content_length_of_latin1_digits_is_refused(self):
        for value in ['\u00b2', '\u00b3', '\u00b9', '1\u00b2', '\u00bd']:
            with self.subTest(value=value), self.assertRaises(HttpError) as refused:
                parse_head(head('POST / HTTP/1.1', 'Host: t', f'Content-Length: {value}'))
            self.assertEqual(refused.exception.status, 400)

    def test_version_of_latin1_digits_is_refused(self):
        for version in ['HTTP/1.\u00b9', 'HTTP/\u00b9.1']:
            with self.subTest(version=version), self.assertRaises(HttpError):
                parse_head(head(f'GET / {version}', 'Host: t'))

    def test_every_latin1_byte_in_a_header_value_or_length(self):
        for byte in range(256):
            char = chr(byte)
            for line in [f'Content-Length: {char}', f'X-Any: a{char}b', f'Transfer-Encoding: {char}']:
                try:
                    parse_head(head('POST / HTTP/1.1', 'Host: t', line))
                except HttpError:
                    pass

    def test_only_spaces_and_tabs_are_whitespace_around_list_members(self):
        for line in ['Transfer-Encoding: chunked\u00a0', 'Content-Length: \u00855']:
            with self.subTest(line=line), self.assertRaises(HttpError):
                parse_head(head('POST / HTTP/1.1', 'Host: t', line))
        self.assertTrue(parse_head(head('POST / HTTP/1.1', 'Host: t', 'Transfer-Encoding: \tchunked ')).chunked)

    def test_plain_content_length_still_parses(self):
        self.assertEqual(parse_head(head('POST / HTTP/1.1', 'Host: t', 'Content-Length: 12')).body_length, 12)


if __name__ == '__main__':
    unittest.main()
