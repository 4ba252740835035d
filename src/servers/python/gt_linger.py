# Closing a connection without losing the answer: the "lingering close" of RFC 9112 §9.6.
#
# A server that answers early (413 for a body over its limit) while the client is still sending
# that body, and then closes the connection at once, may lose its own answer: the kernel answers
# every byte that arrives after close() with a reset (RST), and the client, whose next write
# fails with "connection reset", often never reads the 413 waiting for it. So, as nginx does
# (lingering_close, for up to lingering_time):
#
#   answer ─▶ shutdown(SHUT_WR): a FIN after the answer, "nothing more from me" ─▶ read and drop
#   what the client still sends ─▶ close for good when the client closes, after LINGER_SECONDS,
#   or after LINGER_BYTES: a client that never stops sending does not get to keep the connection.
#
# The ASGI server lingers on its event loop (asgi_http.py). A sync WSGI worker must not: it would
# serve nobody while it waits. So it hands the socket to linger_close() below, which gives it to
# one helper thread of the process, and goes straight back to accept().
import os
import queue
import selectors
import socket
import threading
import time

LINGER_SECONDS = 2.0                # nginx's lingering_time is 30 s: a lab needs less
LINGER_BYTES = 8 * 1024 * 1024      # the most read and dropped before the connection is cut


def linger_close(sock):
    """Close sock the lingering way, without waiting: the answer written to it is already in the
    kernel; the helper thread reads what still comes and closes it. sock is detached: a close()
    of it afterwards does nothing."""
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        return sock.close()         # the client is gone already: nothing to protect
    _lingerer().take(sock.detach())


class Lingerer:
    """One thread with one selector, for every connection of its process that is closing."""

    def __init__(self):
        self.pid = os.getpid()
        self.arrivals = queue.SimpleQueue()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        threading.Thread(target=self.run, name='linger', daemon=True).start()

    def take(self, fd):
        self.arrivals.put(fd)
        try:
            os.write(self.wake_w, b'x')
        except BlockingIOError:
            pass                    # the thread has wake-ups enough waiting already

    def run(self):
        selector = selectors.DefaultSelector()
        selector.register(self.wake_r, selectors.EVENT_READ)
        lingering = {}              # socket → [deadline, bytes dropped]
        while True:
            now = time.monotonic()
            timeout = max(0, min(d for d, _ in lingering.values()) - now) if lingering else None
            for key, _ in selector.select(timeout):
                if key.fileobj == self.wake_r:
                    self.welcome(selector, lingering)
                    continue
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b''
                lingering[sock][1] += len(data)
                if not data or lingering[sock][1] > LINGER_BYTES:
                    self.done(selector, lingering, sock)     # the client closed, or sent too much
            now = time.monotonic()
            for sock in [s for s, (deadline, _) in lingering.items() if deadline <= now]:
                self.done(selector, lingering, sock)         # long enough to read the answer

    def welcome(self, selector, lingering):
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                fd = self.arrivals.get_nowait()
            except queue.Empty:
                return
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fd)
            sock.setblocking(False)
            lingering[sock] = [time.monotonic() + LINGER_SECONDS, 0]
            selector.register(sock, selectors.EVENT_READ)

    @staticmethod
    def done(selector, lingering, sock):
        selector.unregister(sock)
        del lingering[sock]
        sock.close()


_the_lingerer = None
_lock = threading.Lock()


def _lingerer():
    """This process's Lingerer, started on first use (after the fork: threads do not survive one)."""
    global _the_lingerer
    with _lock:
        if _the_lingerer is None or _the_lingerer.pid != os.getpid():
            _the_lingerer = Lingerer()
        return _the_lingerer
