# The WSGI side of the sync-vs-async lab: one slow endpoint, served by the lab's WSGI server with
# 1, 2 and 4 worker processes, and with 1 worker of 4 threads (the same file each time).
#
# GET /db waits 100 ms, as if for a database, and answers. time.sleep() blocks the thread that
# calls it: while it waits, this worker (or this thread) serves no other request.
import os
import threading
import time

DB_SECONDS = 0.1


def app(environ, start_response):
    if environ['PATH_INFO'] == '/db':
        time.sleep(DB_SECONDS)          # stands for a query: the thread waits, the CPU is idle
        body = (f'waited {DB_SECONDS * 1000:.0f} ms in process {os.getpid()}, '
                f'thread {threading.current_thread().name}\n').encode()
    else:
        body = b'Try /db: it waits 100 ms, as if for a database.\n'
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                              ('Content-Length', str(len(body)))])
    return [body]
