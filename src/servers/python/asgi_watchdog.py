# Why one blocking call hurts every client: the event loop runs one thing at a time. When an app
# calls time.sleep(1) (or reads a file, or crunches numbers) without awaiting, nothing else runs
# for that second: no other request, no other connection, not even accepting new ones.
#
# The watchdog makes that visible. The loop schedules a heartbeat every INTERVAL; a heartbeat that
# comes late means the loop was blocked for the difference. Meanwhile a small thread watches the
# heartbeat, and when it is overdue it looks at what the loop's thread is doing right now (its
# Python stack): which request is running and which line of app.py it is stuck on. When the loop
# beats again, the stall is reported with that culprit (or culprits: two requests that block one
# after the other stall the loop as one, and each gets its share of the time).
import linecache
import os
import sys
import threading
import time

INTERVAL = 0.05         # seconds between heartbeats
THRESHOLD = 0.1         # a heartbeat this late is a stall worth reporting


class Watchdog:
    def __init__(self, loop, workspace, report, owners):
        """report(duration_ms, owner, where) is called on the loop when a stall is over. `owners`
        are the code objects of the functions that run an app for one request (their frame's
        `self` is the request, which gets its stalled_ms)."""
        self.loop = loop
        self.workspace = os.path.realpath(workspace) + os.sep
        self.report = report
        self.owners = set(owners)
        self.expected = time.monotonic() + INTERVAL
        self.samples = []           # [owner, where, times seen] by the thread in the current stall
        self.loop_thread = threading.get_ident()
        loop.call_later(INTERVAL, self.beat)
        threading.Thread(target=self.watch, name='gt-watchdog', daemon=True).start()

    def beat(self):
        now = time.monotonic()
        late = now - self.expected
        if late > THRESHOLD:
            seen = sum(count for _, _, count in self.samples)
            shares = [(round(late * 1000 * count / max(seen, 1)), owner, where)
                      for owner, where, count in self.samples or [[None, None, 1]]]
            # Crumbs (the loop between two blocking calls) are not stalls of their own.
            big = [share for share in shares if share[0] >= THRESHOLD * 500] or shares[:1]
            for duration, owner, where in big:
                self.report(duration, owner, where)
        self.samples = []
        self.expected = now + INTERVAL
        self.loop.call_later(INTERVAL, self.beat)

    def watch(self):
        while True:
            time.sleep(INTERVAL / 2)
            if time.monotonic() - self.expected > INTERVAL / 2:
                frame = sys._current_frames().get(self.loop_thread)
                if frame is None:
                    continue
                owner, where = self.culprit(frame)
                del frame
                if self.samples and self.samples[-1][0] is owner:
                    self.samples[-1][2] += 1
                else:
                    self.samples.append([owner, where, 1])

    def ongoing(self, owner):
        """Milliseconds `owner` has blocked the loop in a stall not reported yet (a request that
        blocks and then finishes is reported before the next heartbeat can notice)."""
        late = time.monotonic() - self.expected
        if late <= THRESHOLD or not any(o is owner for o, _, _ in self.samples):
            return 0
        seen = sum(count for _, _, count in self.samples)
        mine = sum(count for o, _, count in self.samples if o is owner)
        return round(late * 1000 * mine / max(seen, 1))

    def culprit(self, frame):
        """(the request object running, "app.py line 12: time.sleep(1)") from the loop's stack."""
        owner, where = None, None
        while frame is not None:
            code = frame.f_code
            if where is None and code.co_filename.startswith(self.workspace):
                linecache.checkcache(code.co_filename)      # the learner may have saved since
                line = linecache.getline(code.co_filename, frame.f_lineno).strip()
                name = os.path.relpath(code.co_filename, self.workspace)
                where = f'{name} line {frame.f_lineno}: {line}'
            if code in self.owners:
                owner = frame.f_locals.get('self')
                break
            frame = frame.f_back
        return owner, where
