# Threads inside one worker process (--threads N), as Gunicorn's "gthread" worker has them.
#
#     worker process ─┬─ lane 1 (the main thread) ─┐
#                     ├─ lane 2 (a thread)         ├── each: accept(), serve that connection,
#                     └─ lane 3 (a thread)        ─┘   call the app, answer, accept() again
#
# A lane is the sync worker's loop (wsgi_worker.py) run by one thread. All lanes share the app
# (imported once), the listening socket and the process's memory; each has only its own poll
# object and the state of the connection it is serving. While a lane's request waits (a database
# call, time.sleep), Python releases the GIL and the other lanes serve their own clients: one
# process now serves N requests at once, for the memory of one process and N thread stacks.
#
# What the threads share is also the catch: module-level state in the app is seen by every thread
# at once (PEP 3333 tells the app through environ['wsgi.multithread']), and CPU-bound Python code
# still runs one thread at a time under the GIL.
import copy
import os
import select
import threading
import traceback


class LockedScoreboard:
    """The master's scoreboard, for a worker with several threads. Connection numbers need a lock
    between threads too (the scoreboard's file lock only excludes other processes). Busy times
    are not reported: the scoreboard has one slot per worker, and N threads cannot share it. So
    the master kills no threaded worker for a slow request (only the sockets' --timeout applies).
    Gunicorn's gthread worker is alike in this: its --timeout watches that the worker's main loop
    still checks in, not how long each request takes."""

    def __init__(self, scoreboard):
        self.scoreboard = scoreboard
        self.lock = threading.Lock()

    def next_conn(self):
        with self.lock:
            return self.scoreboard.next_conn()

    def set_busy(self, slot, since, what):
        pass

    def set_idle(self, slot):
        pass


def serve(lane):
    """A lane's life. Errors of the app or the client never get here (each request handles its
    own); anything that does is a bug, and a worker short of a thread would serve on quietly at
    less than its --threads. So the whole worker leaves, and the master starts a fresh one."""
    try:
        lane.serve_forever()
    except BaseException:
        traceback.print_exc()
        os._exit(1)


def start_lanes(worker, count):
    """Start count - 1 more lanes beside the worker's own loop. Returns a function that wakes
    them to leave (each finishes its request first) and waits for them."""
    stop_r, stop_w = os.pipe()
    threads = []
    for number in range(2, count + 1):
        lane = copy.copy(worker)          # shares the app, the socket, the events, the stop flag
        lane.poller = select.poll()       # its own: one poll object cannot wait in two threads
        lane.poller.register(lane.listener, select.POLLIN)
        lane.poller.register(stop_r, select.POLLIN)    # readable once the worker stops, for good
        lane.conn_poller = select.poll()
        thread = threading.Thread(target=serve, args=(lane,), name=f'lane-{number}', daemon=True)
        thread.start()
        threads.append(thread)

    def stop_and_wait(timeout):
        os.write(stop_w, b'x')            # never read: every lane's poll() returns from now on
        for thread in threads:
            thread.join(timeout)

    return stop_and_wait
