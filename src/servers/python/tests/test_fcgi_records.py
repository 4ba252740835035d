# The app's FastCGI codec (fcgi_records.py): records, padding, name-value pairs, and a parser that
# reports malformed input instead of raising.
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fcgi_records as fr  # noqa: E402


class Records(unittest.TestCase):
    def test_header_and_padding(self):
        record = fr.encode_record(fr.STDOUT, 0x1234, b'hello')
        self.assertEqual(list(record[:8]), [1, 6, 0x12, 0x34, 0, 5, 3, 0])
        self.assertEqual(len(record), 16)

    def test_stream_is_cut_and_ended(self):
        data = fr.encode_stream(fr.STDOUT, 1, b'x' * 100000)
        records, error = fr.RecordParser().feed(data)
        self.assertIsNone(error)
        self.assertEqual([len(r.content) for r in records], [65535, 100000 - 65535, 0])

    def test_pairs_round_trip_with_long_lengths(self):
        pairs = [('QUERY_STRING', ''), ('N' * 200, 'v' * 70000), ('A', 'b')]
        encoded = fr.encode_pairs(pairs)
        self.assertEqual(fr.decode_pairs(encoded), (pairs, None))
        self.assertEqual(list(fr.encode_pairs([('N', 'x' * 128)])[:5]), [1, 0x80, 0, 0, 128])

    def test_pairs_cut_or_past_the_end(self):
        _, error = fr.decode_pairs(fr.encode_pairs([('N', 'x' * 200)])[:3])
        self.assertIn('cut off', error)
        _, error = fr.decode_pairs(bytes([5, 5, 65, 66]))
        self.assertIn('only 2 are left', error)

    def test_begin_request(self):
        self.assertEqual(fr.parse_begin_request(b'\0\1\1\0\0\0\0\0'), (1, True, None))
        self.assertIn('not 8', fr.parse_begin_request(b'\0\1')[2])


class Parser(unittest.TestCase):
    def test_byte_at_a_time(self):
        data = fr.encode_record(fr.PARAMS, 9, b'abc') + fr.encode_record(fr.PARAMS, 9)
        parser = fr.RecordParser()
        seen = []
        for byte in data:
            records, error = parser.feed(bytes([byte]))
            self.assertIsNone(error)
            seen += records
        self.assertEqual([(r.type, r.request_id, r.content) for r in seen], [(4, 9, b'abc'), (4, 9, b'')])
        self.assertIsNone(parser.end())

    def test_wrong_version(self):
        parser = fr.RecordParser()
        _, error = parser.feed(b'\x02\x01\x00\x01\x00\x08\x00\x00')
        self.assertIn('version 2', error)
        self.assertEqual(parser.feed(fr.encode_record(fr.STDIN, 1))[0], [])

    def test_truncated(self):
        parser = fr.RecordParser()
        parser.feed(fr.encode_record(fr.STDIN, 1, b'12345678')[:10])
        self.assertIn('10 of its 16 bytes', parser.end())
        short = fr.RecordParser()
        short.feed(b'\x01\x05')
        self.assertIn('2 bytes into a record header', short.end())

    def test_random_bytes_never_raise(self):
        rng = random.Random(5)
        for _ in range(300):
            parser = fr.RecordParser()
            parser.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50))))
            parser.end()


if __name__ == '__main__':
    unittest.main()
