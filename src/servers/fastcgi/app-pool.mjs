// The front's connections to the FastCGI app. Opening a connection costs a round trip, so a
// connection that finished a request with KEEP_CONN goes back to an idle list and the next
// request reuses it. The app says how many connections it accepts (GET_VALUES →
// FCGI_MAX_CONNS); the front never opens more (nor more than MAX_OPEN), and as the app takes one
// request per connection at a time (FCGI_MPXS_CONNS=0), that bounds the requests in flight too.
// A request that finds every connection busy waits in a queue, for a bounded time: past it, the
// client gets 503 Service Unavailable. (A connection may still wait inside the app for a free
// process, as it does with php-fpm; the app's FCGI_MAX_REQS says how many run at once.)
import { FcgiConnection, FcgiError, openConnection } from './connection.mjs';
import { MANAGEMENT_NAMES } from './record.mjs';

const DEFAULT_LIMIT = 8;
const MAX_OPEN = 64;

export class AppPool {
  /** @type {FcgiConnection[]} */
  #idle = [];
  #inUse = 0;
  /** Requests waiting for a free slot, oldest first. @type {{ resolve: () => void, timer?: NodeJS.Timeout }[]} */
  #waiting = [];
  #connections = 0;
  /** @type {number} */
  limit;
  /** What GET_VALUES answered, once asked (a Map), or why it could not be asked. @type {Map<string, string> | string | null} */
  values = null;

  /**
   * @param {string} address host:port or a Unix socket path
   * @param {{ limit?: number, queueMs?: number }} options limit: at most this many connections
   *   (by default what the app answers to GET_VALUES); queueMs: how long a request may wait for one
   */
  constructor(address, { limit, queueMs = 2000 } = {}) {
    this.address = address;
    this.limit = limit ?? DEFAULT_LIMIT;
    this.fixedLimit = limit !== undefined;
    this.queueMs = queueMs;
  }

  /**
   * Ask the app its limits on a connection of its own (request id 0). `onRecord` sees the records.
   * An app that does not answer within a second keeps the default limit.
   */
  /** @param {import('./connection.mjs').OnRecord} onRecord @returns {Promise<Map<string, string> | string | null>} */
  async learnLimits(onRecord) {
    /** @type {FcgiConnection | undefined} */
    let connection;
    try {
      connection = await openConnection(this.address, { onRecord });
      /** @type {Promise<never>} */
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new FcgiError('timeout', 'no GET_VALUES_RESULT within 1 s')), 1000).unref(),
      );
      const values = await Promise.race([connection.getValues(MANAGEMENT_NAMES), timeout]);
      this.values = values;
      const maxConns = Number(values.get('FCGI_MAX_CONNS'));
      if (!this.fixedLimit && Number.isInteger(maxConns) && maxConns > 0) this.limit = Math.min(maxConns, MAX_OPEN);
    } catch (error) {
      this.values = error instanceof Error ? error.message : String(error);
    } finally {
      connection?.close('management query done');
    }
    return this.values;
  }

  /** An idle connection at once, when a slot is free and one is idle (under load, nearly
   * always): no promise to wait on. Else null, and acquire() opens one or waits. @returns {FcgiConnection | null} */
  takeIdle() {
    if (this.#inUse >= this.limit) return null;
    const connection = this.#popIdle();
    if (connection) this.#inUse++;
    return connection;
  }

  /** The most recently idle connection that is still open (closed ones are dropped on the way),
   * marked reused; null when there is none. @returns {FcgiConnection | null} */
  #popIdle() {
    for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
      if (!connection.closed) {
        connection.reused = true;
        return connection;
      }
    }
    return null;
  }

  /**
   * A connection for one request: an idle one, a new one, or (all slots busy) wait for one.
   * `fresh`: always a new one. A request sent again because a kept connection turned out closed
   * asks for that: the app that closed one idle connection (it restarted, or it closes idle ones
   * after a while) has likely closed the others too, and the retry is the request's last try.
   * @param {{ fresh?: boolean }} [options] @returns {Promise<FcgiConnection>}
   */
  async acquire({ fresh = false } = {}) {
    if (this.#inUse >= this.limit) {
      await new Promise((resolve, reject) => {
        /** @type {{ resolve: () => void, timer?: NodeJS.Timeout }} */
        const waiter = { resolve: () => resolve(undefined) };
        waiter.timer = setTimeout(() => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
          reject(new FcgiError('busy', `all ${this.limit} connections to the app stayed busy for ${this.queueMs} ms`));
        }, this.queueMs);
        this.#waiting.push(waiter);
      });
    } else this.#inUse++;
    // The slot is ours (a waiter is handed the slot of the request that finished).
    const idle = fresh ? null : this.#popIdle();
    if (idle) return idle;
    try {
      const connection = await openConnection(this.address);
      connection.id = ++this.#connections;
      connection.socket.on('close', () => this.#forget(connection));
      return connection;
    } catch (error) {
      this.#freeSlot();
      throw error;
    }
  }

  /** Give a connection back after its request; a broken or closed one is dropped. @param {FcgiConnection} connection @param {boolean} reusable */
  release(connection, reusable) {
    if (reusable && !connection.closed) this.#idle.push(connection);
    else if (!connection.closed) connection.close('not reused');
    this.#freeSlot();
  }

  #freeSlot() {
    const next = this.#waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve();
    } else this.#inUse--;
  }

  /** @param {FcgiConnection} connection */
  #forget(connection) {
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  closeAll() {
    for (const connection of this.#idle) connection.close('the front is stopping');
    this.#idle = [];
  }
}
