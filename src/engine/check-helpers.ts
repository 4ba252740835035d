// Small helpers for lesson checks, so each check reads as "what did the lab see, what did we want".
import type { CheckContext, CheckResult, HeaderPairs, LabEvent, RequestEvent, ServerStateEvent } from './types.js';

export function pass(message: string, details?: string[]): CheckResult {
  return { status: 'pass', message, ...(details ? { details } : {}) };
}

export interface Failure {
  /** What went wrong, in a sentence the learner reads first. */
  message: string;
  /** What the lab saw, in words or a short quote. */
  saw?: string;
  /** What it wanted. */
  expected?: string;
  details?: string[];
}

/** A failed check says what the lab saw and what it expected, so the learner knows what to try.
 * Named fields, so `saw` and `expected` cannot be swapped by accident. */
export function fail({ message, saw, expected, details }: Failure): CheckResult {
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
export function describeRequest(request: Pick<RequestEvent, 'method' | 'target' | 'status'>): string {
  return `${request.method} ${request.target} → ${request.status ?? 'no response'}`;
}

/** Quote the last few requests a server saw, or say it saw none. */
export function sawRequests(requests: Pick<RequestEvent, 'method' | 'target' | 'status'>[], count = 3): string {
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
  const changes = serverChanges(events).filter((e) => !server || e.name === server);
  changes.forEach((change, index) => {
    if (change.state !== 'crashed') return;
    const back = changes.slice(index + 1).some((later) => later.name === change.name && later.state === 'up');
    const reason = change.reason ?? 'no reason given';
    notes.push(`the ${change.name} crashed and ${back ? 'was restarted' : 'is down'}: ${reason}`);
  });
  return notes;
}

/** The supervisor's own events: a server went up, stopped or crashed (after the lab started). */
export function serverChanges(events: readonly LabEvent[]): ServerStateEvent[] {
  return events.filter((e): e is ServerStateEvent => e.event === 'server' && e.server === 'lab');
}

/** Wait (with a deadline) until the servers' reports of what the check just did have arrived:
 * `done()` says so (servers write their events a moment after they answer). Also ends when the
 * check is stopped. */
export async function settle(ctx: Pick<CheckContext, 'signal'>, done: () => boolean, ms = 600): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline && !ctx.signal.aborted) await new Promise((r) => setTimeout(r, 25));
}
