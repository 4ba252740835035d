// Holding a request body at the proxy until it is complete, as nginx does by default
// (`proxy_request_buffering on`), before any backend hears of the request.
//
//   client ~~ slow upload ~~▶ proxy: memory (small bodies) or a temporary file ──▶ backend, at once
//
// Two things follow. A body over the limit never reaches a backend, even a chunked one whose size
// nobody announced: the proxy counts it as it arrives and answers 413 when the count passes the
// limit. And a backend worker (a Gunicorn sync worker, say) is never held by a slow client: it gets
// the whole body in one go, with a Content-Length. The held body can also be sent again, which is
// what lets the proxy retry a POST on another backend after a refused connection (upstream.mjs).
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lingerOnClose } from '../lib/linger.mjs';
import { BodyTooLargeError } from './body-limit.mjs';

/** Bodies up to this size stay in memory; larger ones go to a file in the lab's run folder. */
export const MEMORY_LIMIT = 64 * 1024;

let files = 0;

/**
 * Read the whole body of `req`. Resolves with a HeldBody, or rejects with BodyTooLargeError once
 * more than `limit` bytes arrived (the rest of the upload is then read and dropped, up to
 * `discardLimit` bytes, so that the client can still read the 413; past that the socket is cut).
 * @param {import('node:stream').Readable & { complete?: boolean, socket?: { destroy(): void } }} req  an IncomingMessage
 * @param {{ limit: number, dir: string, memoryLimit?: number, discardLimit?: number }} options
 * @returns {Promise<HeldBody>}
 */
export function holdBody(req, { limit, dir, memoryLimit = MEMORY_LIMIT, discardLimit = limit * 8 }) {
  return new Promise((resolve, reject) => {
    const held = new HeldBody();
    /** @type {Promise<unknown>} */
    let writing = Promise.resolve();
    let failed = false;

    const fail = (error) => {
      if (failed) return;
      failed = true;
      held.discard();
      reject(error);
    };
    const onData = (chunk) => {
      held.size += chunk.length;
      if (held.size > limit) {
        req.off('data', onData);
        // The 413 closes the connection: the lingering way (lib/linger.mjs), so that a client
        // still sending is not reset before it could read the answer; the rest is read and dropped.
        lingerOnClose(/** @type {import('node:http').IncomingMessage} */ (req), { bytes: discardLimit });
        fail(new BodyTooLargeError(limit));
        return;
      }
      if (!held.path && held.size <= memoryLimit) {
        held.chunks.push(chunk);
        return;
      }
      // Past the memory limit: to the file, one write at a time, reading no faster than the disk.
      req.pause();
      writing = writing
        .then(() => held.toFile(dir, chunk))
        .then(() => req.resume())
        .catch(fail);
    };
    req.on('data', onData);
    req.once('end', () => {
      writing.then(() => held.closeFile()).then(() => !failed && resolve(held), fail);
    });
    req.once('error', fail);
    // 'close' before the whole body came: the client hung up halfway through its upload.
    req.once('close', () => {
      if (!req.complete) fail(Object.assign(new Error('the client went away'), { code: 'CLIENT_GONE' }));
    });
  });
}

/** A complete request body, in memory or in a file, that can be read as many times as needed. */
export class HeldBody {
  constructor() {
    this.size = 0;
    /** @type {Buffer[]} */
    this.chunks = [];
    /** @type {string | undefined} */
    this.path = undefined;
    /** @type {import('node:fs/promises').FileHandle | undefined} */
    this.file = undefined;
    this.discarded = false;
  }

  /** Where the body is kept: 'memory' or 'file'. */
  get place() {
    return this.path ? 'file' : 'memory';
  }

  async toFile(dir, chunk) {
    if (this.discarded) return;
    if (!this.path) {
      this.path = join(dir, `request-body-${process.pid}-${++files}`);
      this.file = await open(this.path, 'wx', 0o600);
      if (this.discarded) return this.discard(); // the client left while the file was opening
      for (const early of this.chunks) await this.file.write(early);
      this.chunks = [];
    }
    await this.file?.write(chunk);
  }

  async closeFile() {
    await this.file?.close();
    this.file = undefined;
  }

  /** A fresh stream of the whole body, for one attempt at a backend. */
  stream() {
    return this.path ? createReadStream(this.path) : Readable.from(this.chunks);
  }

  /** Forget the body (delete its file). Safe to call more than once. */
  discard() {
    const { path, file } = this;
    this.discarded = true;
    this.chunks = [];
    this.file = undefined;
    if (!path) return;
    Promise.resolve(file?.close())
      .catch(() => {})
      .finally(() => rm(path, { force: true }).catch(() => {}));
  }
}
