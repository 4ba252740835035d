# The lifecycle lesson's ASGI compression middleware (lessons/09-lifecycle/starter/middleware.py),
# called directly: gzip only for a client that accepts it, and Vary: Accept-Encoding on every
# answer, compressed or not (RFC 9110 §12.5.5: which one a client gets depends on that header).
import asyncio
import gzip
import os
import sys
import unittest

STARTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..',
                       'lessons', '09-lifecycle', 'starter')
sys.path.insert(0, os.path.abspath(STARTER))
import middleware  # noqa: E402


async def long_answer(scope, receive, send):
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-length', b'300')]})
    await send({'type': 'http.response.body', 'body': b'a' * 300})


def call(accept):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {'type': 'http.request', 'body': b'', 'more_body': False}
    headers = [(b'accept-encoding', accept.encode())] if accept is not None else []
    asyncio.run(middleware.compression(long_answer)({'type': 'http', 'headers': headers}, receive, send))
    return sent[0]['headers'], sent[1]['body']


class CompressionTest(unittest.TestCase):
    def test_gzip_only_when_accepted_and_vary_always(self):
        for accept, gzipped in (('gzip', True), ('gzip;q=0', False), ('br', False), (None, False)):
            headers, body = call(accept)
            encodings = [v for k, v in headers if k == b'content-encoding']
            self.assertEqual(encodings, [b'gzip'] if gzipped else [], accept)
            self.assertEqual(gzip.decompress(body) if gzipped else body, b'a' * 300)
            self.assertIn((b'vary', b'Accept-Encoding'), headers, accept)
            self.assertEqual(dict(headers)[b'content-length'], str(len(body)).encode())


if __name__ == '__main__':
    unittest.main()
