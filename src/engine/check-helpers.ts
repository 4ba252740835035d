// Small helpers for lesson checks, so each check reads as "what did the lab see, what did we want".
import type { CheckResult, HeaderPairs, RequestEvent } from './types.js';

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
