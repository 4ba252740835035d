// Small helpers for lesson checks, so each check reads as "what did the lab see, what did we want".
import type { CheckResult, HeaderPairs, LabEvent, RequestEvent } from './types.js';

export function pass(message: string, details?: string[]): CheckResult {
  return { status: 'pass', message, ...(details ? { details } : {}) };
}

/** A failed check says what the lab saw and what it expected, so the learner knows what to try. */
export function fail(message: string, saw?: string, expected?: string, details?: string[]): CheckResult {
  return {
    status: 'fail',
    message,
    ...(saw !== undefined ? { saw } : {}),
    ...(expected !== undefined ? { expected } : {}),
    ...(details ? { details } : {}),
  };
}

/** First value of a header, case-insensitively, or undefined. */
export function header(pairs: HeaderPairs | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return pairs?.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** "GET /path → 200" — how checks quote a request back to the learner. */
export function describeRequest(request: RequestEvent): string {
  return `${request.method} ${request.target} → ${request.status ?? 'no response'}`;
}

/** Quote the last few requests a server saw, or say it saw none. */
export function sawRequests(requests: RequestEvent[], count = 3): string {
  if (requests.length === 0) return 'no requests yet';
  return requests.slice(-count).map(describeRequest).join('; ');
}

/**
 * What went wrong with the lab's servers since the step began, in words: "the origin crashed and
 * was restarted: <reason>" (or "… and is down: <reason>"), one line per crash, optionally for one
 * server only. A check that failed because its server died says this rather than "has not seen a
 * request": the request may have been what killed it. runCheck adds these to every failed check.
 */
export function crashNotes(events: readonly LabEvent[], server?: string): string[] {
  const notes: string[] = [];
  const changes = events.filter((e) => e.event === 'server' && e.server === 'lab' && (!server || e.name === server));
  changes.forEach((change, index) => {
    if (change.state !== 'crashed') return;
    const back = changes.slice(index + 1).some((later) => later.name === change.name && later.state === 'up');
    const reason = typeof change.reason === 'string' ? change.reason : 'no reason given';
    notes.push(`the ${String(change.name)} crashed and ${back ? 'was restarted' : 'is down'}: ${reason}`);
  });
  return notes;
}
