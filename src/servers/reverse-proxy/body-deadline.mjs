// A deadline for a response body on its way from a backend: a backend that has sent its head and
// then stops sending (a hung app, a stream that never ends its last chunk) would otherwise hold the
// client and the connection for good. Like nginx's proxy_read_timeout (60 s between two reads),
// the wait is between two pieces of the body, not for the whole of it: a long download that keeps
// coming is never cut. A body held back because the client reads slowly (the backend's socket is
// paused) is not the backend's delay. One timer checks every body on its way, a few times a
// second, as upstream.mjs's sweeper does for the heads.

/** The longest wait for the next piece of a body, in ms (nginx's proxy_read_timeout default). */
export const BODY_IDLE_MS = 60_000;
const CHECK_MS = 250;

/**
 * What the deadline needs of a request on its way (upstream.mjs's Attempt).
 * @typedef {{ bodyIdleMs: number, lastRead: number,
 *   connection: { socket: import('node:net').Socket, fail(error: Error): void } | null,
 *   backend: { name: string } }} Watched
 */

/** @type {Set<Watched>} */
const watched = new Set();
/** @type {NodeJS.Timeout | null} */
let timer = null;

/** The head came: from now on the body must keep coming. @param {Watched} attempt */
export function watchBody(attempt) {
  attempt.lastRead = performance.now();
  watched.add(attempt);
  if (!timer) {
    timer = setInterval(check, CHECK_MS);
    timer.unref();
  }
}

/** The body ended, or the request is over for another reason. @param {Watched} attempt */
export function unwatchBody(attempt) {
  watched.delete(attempt);
}

function check() {
  const now = performance.now();
  for (const attempt of watched) {
    const connection = attempt.connection;
    if (!connection) watched.delete(attempt);
    else if (connection.socket.isPaused()) attempt.lastRead = now;
    else if (now - attempt.lastRead >= attempt.bodyIdleMs) {
      watched.delete(attempt);
      const seconds = attempt.bodyIdleMs / 1000;
      connection.fail(new Error(`${attempt.backend.name} sent nothing more of its body for ${seconds} s`));
    }
  }
  if (watched.size === 0 && timer) {
    clearInterval(timer);
    timer = null;
  }
}
