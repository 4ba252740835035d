# gt_linger.linger_close: the answer reaches a client that is still sending, and the helper thread
# closes the connection when the client closes, or once the client has sent LINGER_BYTES.
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gt_linger  # noqa: E402


class LingerCloseTest(unittest.TestCase):
    def connection(self):
        """A TCP connection on loopback: (the server's end, the client's end)."""
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(('127.0.0.1', 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        self.addCleanup(client.close)
        server, _ = listener.accept()
        client.settimeout(5)
        return server, client

    def test_the_answer_survives_what_the_client_sends_after_it(self):
        server, client = self.connection()
        client.sendall(b'x' * 100_000)            # unread by the server: a plain close would reset
        server.sendall(b'HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n')
        gt_linger.linger_close(server)
        server.close()                            # detached: this closes nothing
        for _ in range(20):
            client.sendall(b'x' * 10_000)        # still sending, after the answer
        answer = b''
        while not answer.endswith(b'\r\n\r\n'):
            answer += client.recv(1000)
        self.assertTrue(answer.startswith(b'HTTP/1.1 413 '))
        self.assertEqual(client.recv(1000), b'')  # and then our FIN

    def test_the_connection_ends_when_the_client_closes_its_side(self):
        server, client = self.connection()
        gt_linger.linger_close(server)
        client.shutdown(socket.SHUT_WR)
        self.assertEqual(client.recv(1000), b'')
        started = time.monotonic()
        # The thread closed its end: a write now is answered with a reset, long before the deadline.
        with self.assertRaises(OSError):
            while time.monotonic() - started < gt_linger.LINGER_SECONDS:
                client.send(b'x')
                time.sleep(0.01)

    def test_a_client_that_sends_too_much_is_cut(self):
        server, client = self.connection()
        gt_linger.linger_close(server)
        with self.assertRaises(OSError):
            for _ in range(4 * gt_linger.LINGER_BYTES // 65536):
                client.sendall(b'x' * 65536)


if __name__ == '__main__':
    unittest.main()
