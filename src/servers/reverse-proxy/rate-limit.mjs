// Rate limiting with a token bucket, one bucket per client address.
//
// Each client starts with a full bucket of `capacity` tokens. Every request takes one token, and
// tokens drip back in at `refillPerSecond`. A client that sends a burst empties its bucket and
// then gets 429 Too Many Requests, with Retry-After saying how many seconds until a token is back.
// A client that keeps to the refill rate is never refused, however long it runs.
//
// The proxy keys buckets by the TCP peer address it saw itself, never by X-Forwarded-For from the
// request: a client could write anything there and get a fresh bucket for every request.

export class RateLimiter {
  /**
   * @param {{ capacity: number, refillPerSecond: number, now?: () => number }} options
   *   `now` returns milliseconds; tests pass a fake clock.
   */
  constructor({ capacity, refillPerSecond, now = () => performance.now() }) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.now = now;
    /** @type {Map<string, { tokens: number, updated: number }>} */
    this.buckets = new Map();
  }

  /**
   * Take one token for `client`.
   * @returns {{ allowed: boolean, remaining: number, retryAfterSeconds: number }}
   */
  take(client) {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.capacity, updated: now };
    // Drip in the tokens earned since we last looked, never above capacity.
    const elapsedSeconds = (now - bucket.updated) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsedSeconds * this.refillPerSecond);
    bucket.updated = now;
    this.buckets.set(client, bucket);
    this.forgetIdleClients(now);

    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    // Retry-After is in whole seconds (RFC 9110 §10.2.3), so round up: coming back a little late
    // is fine, coming back early gets another 429.
    const secondsToNextToken = (1 - bucket.tokens) / this.refillPerSecond;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(secondsToNextToken)) };
  }

  /** A bucket that has filled up again is the same as no bucket: drop it to bound memory. */
  forgetIdleClients(now) {
    if (this.buckets.size < 1000) return;
    const fullAfterMs = (this.capacity / this.refillPerSecond) * 1000;
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.updated > fullAfterMs) this.buckets.delete(client);
    }
  }
}
