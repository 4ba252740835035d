// Closing a connection without losing the answer: the "lingering close" of RFC 9112 §9.6.
//
// A server that answers early (413 for a body over its limit) while the client is still sending
// that body, and then closes the connection at once, may lose its own answer: the kernel answers
// every byte that arrives after close() with a reset (RST), and the client, whose next write
// fails with "connection reset", often never reads the 413 waiting for it. So, as nginx does
// (lingering_close, for up to lingering_time):
//
//   answer ─▶ close our sending side only (FIN: "nothing more from me") ─▶ read and drop what the
//   client still sends ─▶ close for good when the client closes, or after LINGER_MS, or after
//   LINGER_BYTES dropped: a client that never stops sending does not get to keep the connection.
//
// node:http ends a response that says `Connection: close` with socket.destroySoon(): a FIN, then
// a full close as soon as the FIN is out, with whatever the client sent since unread (the RST).
// lingerOnClose replaces that one call, for one connection, with the lingering close above.

/** The longest a closing connection reads on (nginx's lingering_time is 30 s: a lab needs less). */
export const LINGER_MS = 2000;
/** The most body bytes read and dropped after an early answer, before the connection is cut. */
export const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * The answer to `req` is given before its body was read: from now on the rest of the body is read
 * and dropped (up to `bytes`; past that the connection is cut), and if the answer closes the
 * connection, it closes the lingering way. Call it before ending the response. Only that close
 * is bounded in time: an answer that keeps the connection reads the body on at the client's pace
 * (every caller here answers with `Connection: close`).
 * @param {import('node:http').IncomingMessage} req
 * @param {{ ms?: number, bytes?: number }} [limits]
 */
export function lingerOnClose(req, { ms = LINGER_MS, bytes = LINGER_BYTES } = {}) {
  const socket = req.socket;
  dropBody(req, bytes);
  const destroySoon = socket.destroySoon;
  socket.destroySoon = () => {
    // The whole body came: nothing is on its way, a plain close loses nothing.
    if (req.complete || socket.destroyed) return destroySoon.call(socket);
    socket.end(); // the FIN goes out after the answer
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // The client closed its side too: it has stopped sending, and read (or dropped) the answer.
    socket.once('end', () => socket.destroy());
  };
}

/**
 * Read and drop the rest of `req`'s body, up to `maxBytes`; past that the connection is cut:
 * nobody gets to make a lab server read 10 GB.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} maxBytes
 */
export function dropBody(req, maxBytes) {
  let dropped = 0;
  req.on('data', (chunk) => {
    dropped += chunk.length;
    if (dropped > maxBytes) req.socket.destroy();
  });
  req.resume();
}
