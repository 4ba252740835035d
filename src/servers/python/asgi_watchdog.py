# Why one blocking call hurts every client: the event loop runs one thing at a time. When an app
# calls time.sleep(1) (or reads a file, or crunches numbers) without awaiting, nothing else runs
# for that second: no other request, no other connection, not even accepting new ones.
#
# The watchdog makes that visible. The loop schedules a heartbeat every INTERVAL; a heartbeat that
# comes late means the loop did not get round to it. Meanwhile a small thread looks in every LOOK
# seconds, and while the heartbeat is overdue it takes the loop thread's Python stack: which request
# is running and which line of app.py it is on. When the loop beats again, the stall is reported
# with that culprit (or culprits: two requests that block one after the other stall the loop as
# one, and each gets its share of the time).
#
# A late heartbeat is not always the app's doing. When the machine is busy, the operating system
# may leave the loop's thread ready to run but without a CPU; when the process is paused (SIGSTOP,
# a frozen container or VM), no thread of it runs. The stack then shows whatever the app was doing,
# quite innocently. So each look also books the time since the last one (asgi_thread_clock.py):
#   - the loop's thread ran on a CPU: it was busy (in the app, or a library it called): blocked;
#   - it waited on a run queue, ready but not running: starved, not the app's doing;
#   - the watcher itself woke late, and neither its own wait for a CPU nor a thread of the
#     process holding the interpreter lock (the process's CPU time: the loop's, or another
#     thread's, such as asyncio.to_thread running sum() of a huge range, which blocks the loop
#     as surely) explains it: the whole process was stopped: starved;
#   - the rest, the thread asleep of its own accord (time.sleep, a blocking read): blocked.
# Only blocked time is a stall of the app's making; starved time is reported as what it is.
import linecache
import os
import sys
import threading
import time

from asgi_thread_clock import thread_clock

INTERVAL = 0.05         # seconds between heartbeats
LOOK = INTERVAL / 2     # seconds between the watcher's looks
THRESHOLD = 0.1         # this much blocked (or starved) time is worth reporting
UNSEEN = object()       # the culprit of a stall the watcher never got to look at


class Watchdog:
    def __init__(self, loop, workspace, report, owners, starved=None):
        """report(duration_ms, owner, where, cpu_ms, seen) is called on the loop when a stall is
        over (seen: False when the watcher never got to look, see verdict());
        starved(duration_ms), if given, when the loop could not run through no doing of its own.
        `owners` are the code objects of the functions that run an app for one request (their
        frame's `self` is the request, which gets its stalled_ms). Made on the loop's thread."""
        self.loop = loop
        self.workspace = os.path.realpath(workspace) + os.sep
        self.report = report
        self.report_starved = starved
        self.owners = set(owners)
        self.loop_thread = threading.get_ident()
        self.loop_clock = thread_clock(threading.get_native_id(), self.loop_thread)
        self.watcher_clock = None           # set by the watcher's thread
        self.lock = threading.Lock()        # the loop's beat and the watcher's look share the books
        now = time.monotonic()
        self.expected = now + INTERVAL      # when the next heartbeat is due
        self.accounted = now                # the books are kept up to here
        self.watcher_due = now + LOOK       # when the watcher means to look next
        self.clocks = self.read_clocks()
        self.samples = []       # [owner, where, blocked s, cpu s] seen by the watcher in this stall
        self.pending = [0.0, 0.0]           # blocked, cpu s of this stall not yet in a sample
        self.starved = 0.0                  # s of this stall the loop could not run
        loop.call_later(INTERVAL, self.beat)
        threading.Thread(target=self.watch, name='gt-watchdog', daemon=True).start()

    def read_clocks(self):
        """(loop's CPU s, loop's run-queue wait s, watcher's run-queue wait s, process CPU s) so far."""
        return (*self.loop_clock(), self.watcher_clock()[1] if self.watcher_clock else 0.0,
                time.process_time())

    def account(self, seen=None):
        """Books the time since the last accounting: how much of it the heartbeat was overdue,
        and of that how much the loop was blocked and how much starved (see the top of this file).
        `seen` is the watcher's look at the loop's stack (stack()), if it took one. A wait on the
        run queue that is still going on is booked when it ends, so each look's figures are a
        first guess; verdict() corrects them with the whole stall's. Returns now."""
        before = time.monotonic()
        clocks = self.read_clocks()
        now = time.monotonic()
        if seen is not None and now - before > LOOK / 5:
            # Reading the clocks let go of the interpreter lock, and the loop held it a while
            # (a long call into C, say): the stack is where it is now, just after that call.
            seen = self.stack()
        cpu, waited, watcher_waited, process_cpu = (new - old for new, old in zip(clocks, self.clocks))
        watcher_late = max(0.0, now - max(self.accounted, self.watcher_due))
        stopped = max(0.0, watcher_late - watcher_waited - max(cpu, process_cpu) - waited)
        overdue = max(0.0, now - max(self.accounted, self.expected))
        self.accounted, self.clocks = now, clocks
        if overdue == 0:
            return now
        self.starved += waited + stopped
        blocked = max(0.0, overdue - waited - stopped)
        self.pending[0] += blocked
        self.pending[1] += min(cpu, blocked)
        if seen is not None and watcher_waited > LOOK:
            # The watcher itself waited long for a CPU: the loop may have moved on from what
            # blocked it, and this stack would name an innocent line. Booked as not seen.
            seen = (UNSEEN, None, None)
        if seen is not None:
            owner, where = seen[0], self.place(*seen[1:])
            if not (self.samples and self.samples[-1][0] is owner):
                self.samples.append([owner, where, 0.0, 0.0])
            sample = self.samples[-1]
            sample[2], sample[3] = sample[2] + self.pending[0], sample[3] + self.pending[1]
            self.pending = [0.0, 0.0]
        return now

    def verdict(self, now):
        """(each culprit's share [owner, where, blocked s, cpu s], blocked s, starved s) of the
        stall so far: the heartbeat's lateness, less the starved time, shared as the looks saw."""
        late = now - self.expected
        starved = min(late, self.starved)
        blocked = late - starved
        # No look at all: the watcher could not run. A long call into C (sum() of a huge range, a
        # big sort) keeps Python's interpreter lock, which the watcher needs to look; so does a
        # busy machine that leaves the watcher's thread waiting for a CPU.
        samples = [list(sample) for sample in self.samples] or [[UNSEEN, None, 0.0, 0.0]]
        samples[-1][2] += self.pending[0]           # the time since the last look: its culprit's
        samples[-1][3] += self.pending[1]
        seen = sum(sample[2] for sample in samples)
        if seen == 0:
            return [[UNSEEN, None, blocked, 0.0]], blocked, starved
        for sample in samples:
            sample[2] = sample[2] * blocked / seen
            sample[3] = min(sample[3], sample[2])
        return samples, blocked, starved

    def beat(self):
        now = time.monotonic()
        stalls, starved = [], 0.0
        with self.lock:
            if now - self.expected > THRESHOLD:
                now = self.account()                # the time since the watcher last looked
                shares, blocked, starved = self.verdict(now)
                if blocked > THRESHOLD:
                    # Crumbs (the loop between two blocking calls) are not stalls of their own.
                    stalls = [share for share in shares if share[2] >= THRESHOLD / 2] or shares[:1]
            else:
                # The books start again from here. The loop reads the clocks, not the watcher:
                # each file read of the watcher's would make the busy loop hand it the
                # interpreter lock, and wait for it back (a quarter of its pace, measured).
                self.clocks, self.accounted = self.read_clocks(), now
            self.samples, self.pending, self.starved = [], [0.0, 0.0], 0.0
            self.expected = now + INTERVAL
        cpu_known = self.loop_clock.cpu_known
        for owner, where, blocked, cpu in stalls:
            self.report(round(blocked * 1000), None if owner is UNSEEN else owner, where,
                        round(cpu * 1000) if cpu_known else None, owner is not UNSEEN)
        if starved > THRESHOLD and self.report_starved:
            self.report_starved(round(starved * 1000))
        self.loop.call_later(INTERVAL, self.beat)

    def watch(self):
        with self.lock:
            self.watcher_clock = thread_clock(threading.get_native_id(), threading.get_ident())
            self.clocks = self.read_clocks()
        while True:
            time.sleep(LOOK)
            # Only while the heartbeat is overdue: the stack first, before anything lets go of
            # the interpreter lock, so that it is where the loop was when the watcher got it back
            # (just after a long call into C that held it: on the line that made the call).
            if time.monotonic() - self.expected > LOOK:
                seen = self.stack()
                with self.lock:
                    self.account(seen)
            self.watcher_due = time.monotonic() + LOOK

    def ongoing(self, owner):
        """Milliseconds `owner` has blocked the loop in a stall not reported yet (a request that
        blocks and then finishes is reported before the next heartbeat can notice)."""
        # No stall, or one this request was not seen in: the common cases, answered without the
        # books (on a busy machine many requests end while the heartbeat is overdue).
        if time.monotonic() - self.expected <= THRESHOLD or not any(s[0] is owner for s in self.samples[:]):
            return 0
        with self.lock:
            now = self.account()
            shares, blocked, _ = self.verdict(now)
        if blocked <= THRESHOLD:
            return 0
        return round(1000 * sum(share[2] for share in shares if share[0] is owner))

    def stack(self):
        """(the request object running, its file, its line) from the loop's stack: only attribute
        lookups, so the loop cannot move on meanwhile (see account())."""
        frame = sys._current_frames().get(self.loop_thread)
        owner, place = None, (None, None)
        while frame is not None:
            code = frame.f_code
            if place[0] is None and code.co_filename.startswith(self.workspace):
                place = (code.co_filename, frame.f_lineno)
            if code in self.owners:
                owner = frame.f_locals.get('self')
                break
            frame = frame.f_back
        return owner, *place

    def place(self, filename, line):
        """"app.py line 12: time.sleep(1)", or None for a stack with no file of the workspace."""
        if filename is None:
            return None
        linecache.checkcache(filename)      # the learner may have saved since
        text = linecache.getline(filename, line).strip()
        return f'{os.path.relpath(filename, self.workspace)} line {line}: {text}'
