// Types for rate-limit.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export class RateLimiter {
  constructor(options: { capacity: number; refillPerSecond: number; now?: () => number });
  capacity: number;
  refillPerSecond: number;
  buckets: Map<string, { tokens: number; updated: number }>;
  take(client: string): { allowed: boolean; remaining: number; retryAfterSeconds: number };
}
