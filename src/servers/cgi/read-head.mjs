// Reading a script's stdout up to the empty line that ends its header block. The rest of the
// output is the body, which the gateway then streams to the client; the header block is parsed
// first (cgi-response.mjs), because the status and headers must be known before anything is sent.
import { findHeadEnd, MAX_HEAD_BYTES } from './cgi-response.mjs';

/**
 * Read stdout up to the empty line that ends the header block. Resolves with the header bytes and
 * the first bytes of the body, or with the problem, in words, when the output ends (or grows past
 * MAX_HEAD_BYTES) before that line.
 */
export function readHead(stdout) {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = findHeadEnd(buffered);
      if (end) {
        done();
        stdout.pause();
        return resolve({ ok: true, head: buffered.subarray(0, end.headEnd), rest: buffered.subarray(end.bodyStart) });
      }
      if (buffered.length > MAX_HEAD_BYTES) {
        done();
        resolve({
          ok: false,
          problem: `wrote ${MAX_HEAD_BYTES / 1024} KiB without the empty line that ends the header block`,
        });
      }
    };
    const onEnd = () => {
      done();
      if (buffered.length === 0) return resolve({ ok: false, problem: 'printed nothing at all: no header, no body' });
      resolve({
        ok: false,
        problem: `ended its output without the empty line that ends the header block; ${whereItBroke(buffered)}`,
      });
    };
    const done = () => {
      stdout.off('data', onData);
      stdout.off('end', onEnd);
    };
    stdout.on('data', onData);
    stdout.on('end', onEnd);
  });
}

/** Point at the first line of an unfinished header block that is not a header field. */
function whereItBroke(output) {
  const lines = output
    .toString('latin1')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop(); // the newline that ended the last line
  const index = lines.findIndex((line) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(line));
  if (index === -1) return 'every line looked like a header field, but no empty line followed them';
  const quoted = JSON.stringify(lines[index].slice(0, 60));
  if (index === 0) return `its first line, ${quoted}, is not a header field`;
  return `line ${index + 1}, ${quoted}, is not a header field: is the empty line between the header lines and the body missing?`;
}
