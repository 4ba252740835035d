// WebSocket (and any other HTTP Upgrade) passed through to a backend.
//
// A WebSocket starts as an ordinary GET with `Connection: Upgrade` and `Upgrade: websocket`.
// Those are hop-by-hop headers, so a proxy that only forwards requests would drop them and the
// backend would never agree to switch. Here the proxy forwards them on purpose, and once the
// backend answers `101 Switching Protocols` it stops speaking HTTP: it relays raw bytes in both
// directions until either side closes.
import http from 'node:http';
import { reasonPhrase } from './reason-phrase.mjs';

/**
 * @param {{ req, clientSocket: import('node:net').Socket, head: Buffer, backend,
 *           headers: [string, string][], report: (fields: object) => void }} options
 *   `headers` come from requestHeadersForBackend (hop-by-hop removed); `report` writes the event.
 */
export function relayUpgrade({ req, clientSocket, head, backend, headers, report }) {
  const upgradeHeaders = [...headers, ['Connection', 'Upgrade'], ['Upgrade', req.headers.upgrade]];
  const upstream = http.request({
    host: backend.host,
    port: backend.port,
    method: req.method,
    path: req.url,
    headers: upgradeHeaders.flat(),
    agent: false,
  });

  upstream.on('upgrade', (response, backendSocket, backendHead) => {
    clientSocket.write(statusLine(response) + rawHeaderLines(response.rawHeaders) + '\r\n');
    if (backendHead.length) clientSocket.write(backendHead);
    if (head.length) backendSocket.write(head);
    // From here on these are two plain TCP streams glued together, with backpressure both ways.
    backendSocket.pipe(clientSocket);
    clientSocket.pipe(backendSocket);
    const closeBoth = () => {
      backendSocket.destroy();
      clientSocket.destroy();
    };
    backendSocket.on('error', closeBoth);
    clientSocket.on('error', closeBoth);
    backendSocket.on('close', closeBoth);
    clientSocket.on('close', closeBoth);
    report({ status: response.statusCode, upgrade: req.headers.upgrade });
  });

  // The backend said no (no 101): hand its answer to the client as an ordinary response.
  upstream.on('response', (response) => {
    clientSocket.write(statusLine(response) + rawHeaderLines(response.rawHeaders) + '\r\n');
    response.pipe(clientSocket);
    report({ status: response.statusCode });
  });

  upstream.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
    const body = `the backend ${backend.name} could not be reached for the upgrade: ${error.code ?? error.message}\n`;
    clientSocket.end(
      `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    report({ status: 502, error: error.code ?? error.message });
  });
  upstream.end();
}

function statusLine(response) {
  return `HTTP/1.1 ${response.statusCode} ${response.statusMessage || reasonPhrase(response.statusCode)}\r\n`;
}

function rawHeaderLines(raw) {
  let lines = '';
  for (let i = 0; i + 1 < raw.length; i += 2) lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return lines;
}
