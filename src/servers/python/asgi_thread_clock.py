# How a thread spent its time, read from another thread: for the watchdog (asgi_watchdog.py), which
# must tell an event loop that was blocked (its thread computing, or waiting in a blocking call)
# from one that was starved (its thread ready to run, but given no CPU by the operating system).
#
# The CPU time comes from the thread's CPU clock (pthread_getcpuclockid: Linux and most Unixes),
# exact to the moment even while the thread runs. The time spent ready but not running comes from
# Linux's /proc/self/task/TID/schedstat (its second figure: nanoseconds waiting on a run queue);
# Linux adds a wait to it when the wait ends, so a wait still going on is not in it yet. Where
# either is missing, it reads as 0.
import os
import time


def thread_clock(native_id, ident):
    """A function returning (seconds on a CPU, seconds waiting for one) so far for one thread.
    `native_id` is threading.get_native_id() of that thread, `ident` its threading.get_ident().
    The function's `cpu_known` says whether this system tells the first (the second reads 0 where
    it is not told, which is what a thread that never waited reads too)."""
    path = f'/proc/self/task/{native_id}/schedstat'
    try:
        fd = os.open(path, os.O_RDONLY)     # kept open: read again from offset 0 each time
        if schedstat(fd)[0] == 0:           # "0 0 0": the kernel keeps no such figures
            os.close(fd)
            fd = None
    except (OSError, ValueError):
        fd = None
    try:
        clock = time.pthread_getcpuclockid(ident)
        time.clock_gettime(clock)
    except (AttributeError, OSError):
        clock = None

    def read():
        if fd is None:
            return (time.clock_gettime(clock) if clock is not None else 0.0), 0.0
        ran, waited = schedstat(fd)
        return (time.clock_gettime(clock) if clock is not None else ran), waited
    read.cpu_known = clock is not None or fd is not None
    return read


def schedstat(fd):
    """(seconds on a CPU, seconds on a run queue) from a schedstat file: "ns ns timeslices"."""
    ran, waited = os.pread(fd, 100, 0).split()[:2]
    return int(ran) / 1e9, int(waited) / 1e9
