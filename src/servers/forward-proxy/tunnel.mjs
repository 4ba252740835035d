// CONNECT: how HTTPS goes through a forward proxy (RFC 9110 §9.3.6).
//
//   CONNECT secure.test:443 HTTP/1.1        the client names a host and port, nothing more
//   HTTP/1.1 200 Connection established     the proxy has connected; from now on it copies
//                                           bytes both ways and understands none of them
//
// The TLS handshake, the request and the page then travel inside the tunnel, encrypted between
// the client and the site. So all this proxy can report is what the access log shows: who asked,
// for which host:port, when, and how many bytes went each way.
//
// Like every careful proxy it tunnels only to a few places: port 443 of the lab's HTTPS sites.
// A proxy that opened tunnels to any host and port would let anyone reach SSH, mail or database
// servers through it.
import http from 'node:http';
import net from 'node:net';
import { headerValue, pairs } from '../lib/headers.mjs';
import { BLOCKED_SITES, checkProxyAuth, parseAuthority } from './rules.mjs';

/**
 * Write a whole HTTP response on a raw socket and close it: for answers given before (or
 * instead of) a tunnel, where node:http hands us the socket rather than a response object.
 * Returns the header pairs it sent, for the lab event.
 */
export function writeRawResponse(socket, status, headerPairs, lines) {
  const body = lines.join('\n') + '\n';
  const headers = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Connection', 'close'],
    ...headerPairs,
  ];
  const head = headers.map(([name, value]) => `${name}: ${value}`).join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${head}\r\n\r\n${body}`);
  return headers;
}

/**
 * The 'connect' listener of one proxy door. node:http hands it the request line and headers, the
 * raw client socket, and any bytes the client already sent after the headers (`head`).
 */
export function connectHandler({ lab, door, sites, via, accessLog }) {
  return (req, clientSocket, head) => {
    const started = performance.now();
    const requestPairs = pairs(req.rawHeaders);
    const report = (status, extra = {}, responseHeaders = []) =>
      lab.emit({
        event: 'request',
        conn: lab.connectionId(clientSocket),
        remote: `${clientSocket.remoteAddress}:${clientSocket.remotePort}`,
        method: 'CONNECT',
        target: req.url,
        httpVersion: req.httpVersion,
        headers: requestPairs,
        status,
        responseHeaders,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        door: door.name,
        ...extra,
      });
    const refuse = (status, code, message, extra = {}, more = []) => {
      const headers = writeRawResponse(
        clientSocket,
        status,
        [['Via', `1.1 ${via}`], ['X-Proxy-Error', code], ...more],
        [`${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy, ${via})`, '', message],
      );
      report(status, extra, headers);
      accessLog(`${clientSocket.remoteAddress} ${door.name} CONNECT ${req.url} ${status} ${code}`);
    };
    clientSocket.on('error', () => clientSocket.destroy());

    let auth;
    if (door.credentials) {
      auth = checkProxyAuth(headerValue(requestPairs, 'proxy-authorization'), door.credentials);
      if (auth !== 'ok') {
        return refuse(
          407,
          `credentials-${auth}`,
          'This door of the proxy needs credentials (curl -U user:password).',
          { auth },
          [['Proxy-Authenticate', 'Basic realm="gateway-tutor staff proxy"']],
        );
      }
    }
    const authFields = auth ? { auth } : {};
    const where = parseAuthority(req.url);
    if (!where) return refuse(400, 'bad-authority', `CONNECT needs host:port, not "${req.url}".`, authFields);
    if (BLOCKED_SITES.has(where.host)) {
      return refuse(403, 'blocked-by-filter', `${where.host} is on this proxy's filter list.`, {
        ...authFields,
        blocked: true,
        host: where.host,
      });
    }
    const site = sites.get(`${where.host}:${where.port}`);
    // Tunnels go only to the HTTPS port of lab sites. A proxy that tunnels to any port would let
    // clients reach mail servers, databases and SSH through it.
    if (!site?.tls) {
      return refuse(
        403,
        'tunnel-not-allowed',
        `Tunnels go only to port 443 of this lab's HTTPS sites (${
          [...sites.values()]
            .filter((s) => s.tls)
            .map((s) => `${s.name}:443`)
            .join(', ') || 'none'
        }).`,
        { ...authFields, refused: true, host: where.host, port: where.port },
      );
    }

    const upstream = net.connect(site.port, site.host);
    let bytesUp = head.length;
    let bytesDown = 0;
    let opened = false;
    upstream.once('connect', () => {
      opened = true;
      const responseHeaders = [['Via', `1.1 ${via}`]];
      clientSocket.write(`HTTP/1.1 200 Connection established\r\nVia: 1.1 ${via}\r\n\r\n`);
      report(
        200,
        { ...authFields, tunnel: true, host: where.host, port: where.port, upstream: site.url },
        responseHeaders,
      );
      accessLog(`${clientSocket.remoteAddress} ${door.name} CONNECT ${req.url} 200 TUNNEL opened`);
      if (head.length) upstream.write(head);
      // From here on the proxy is a pipe: it counts bytes, and cannot read them (TLS).
      clientSocket.on('data', (chunk) => (bytesUp += chunk.length));
      upstream.on('data', (chunk) => (bytesDown += chunk.length));
      clientSocket.pipe(upstream);
      upstream.pipe(clientSocket);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clientSocket.destroy();
      upstream.destroy();
      if (!opened) return;
      const durationMs = Math.round(performance.now() - started);
      lab.emit({
        event: 'tunnel',
        target: req.url,
        host: where.host,
        port: where.port,
        bytesUp,
        bytesDown,
        durationMs,
      });
      accessLog(
        `${clientSocket.remoteAddress} ${door.name} CONNECT ${req.url} TUNNEL closed: ${bytesUp} bytes up, ${bytesDown} down, ${durationMs} ms`,
      );
    };
    upstream.on('error', (error) => {
      if (!opened && !closed && !clientSocket.destroyed) {
        closed = true;
        return refuse(502, 'origin-unreachable', `${site.name} could not be reached: ${error.message}.`, authFields);
      }
      close();
    });
    upstream.on('close', close);
    clientSocket.on('close', close);
  };
}
