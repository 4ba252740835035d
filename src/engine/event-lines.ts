// Splits a lab server's fd-3 stream into lines, as node:readline would, without its cost: a busy
// lab writes thousands of event lines a second, and readline ran a regular expression over every
// chunk and went through its own events for each line (about a tenth of the tutor's time per
// event). A chunk's lines are cut with indexOf; a line cut in two by a chunk boundary waits for
// its end. Line breaks are "\n", "\r\n" and a lone "\r", as readline has them; empty lines are
// skipped (they carry no event).
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let tail = '';
  const emit = (line: string) => {
    if (!line.includes('\r')) {
      if (line) onLine(line);
      return;
    }
    for (const part of line.split('\r')) if (part) onLine(part);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const text = tail ? tail + chunk : chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      emit(text.slice(start, end));
      start = end + 1;
    }
    tail = start < text.length ? text.slice(start) : '';
  });
  stream.on('end', () => {
    const last = tail;
    tail = '';
    emit(last);
  });
}
