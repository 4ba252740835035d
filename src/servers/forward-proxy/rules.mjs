// The forward proxy's rules, apart from its plumbing: which sites it will reach and where they
// really are, which ones its filter list blocks, where a CONNECT tunnel may go, who may use the
// staff door, and how headers change as a request crosses it (RFC 9110 §7.6).
import { headerValue, withoutHeader } from '../lib/headers.mjs';
import { appendVia, withoutHopByHop } from '../lib/proxy-headers.mjs';

/** @typedef {import('../lib/headers.mjs').HeaderPairs} HeaderPairs */

/** The filter list: sites this proxy refuses for every client, with its own 403 page. */
export const BLOCKED_SITES = new Set(['blocked.test']);

/** Credentials of the proxy's second door (the `auth` port), which answers 407 without them. */
export const STAFF_CREDENTIALS = { user: 'learner', password: 'opensesame' };

/**
 * The lab's sites, by "host:port" as a client would name them. Each other server of the lab
 * becomes `<name>.test`: port 80 if it speaks HTTP, port 443 if it speaks HTTPS. The proxy
 * alone knows where they really listen (127.0.0.1 and some lab port): your machine cannot
 * resolve `news.test`, the proxy can. Nothing outside this table is ever reached, so this is
 * not an open proxy that strangers could use to reach other machines (or your own services).
 *
 * `servers` is GT_SERVERS: [{ name, url }, ...]; `self` is this proxy's own name.
 */
export function labSites(servers, self) {
  const sites = new Map();
  for (const server of servers) {
    if (server.name === self) continue;
    const url = new URL(server.url);
    const tls = url.protocol === 'https:';
    const name = `${server.name}.test`;
    const publicPort = tls ? 443 : 80;
    sites.set(`${name}:${publicPort}`, {
      name,
      publicPort,
      tls,
      server: server.name,
      host: url.hostname,
      port: Number(url.port || (tls ? 443 : 80)),
      url: server.url,
    });
  }
  return sites;
}

/** "news.test, blocked.test, secure.test (HTTPS)": for the proxy's own error pages. */
export function describeSites(sites) {
  return [...sites.values()].map((site) => (site.tls ? `${site.name} (HTTPS only)` : site.name)).join(', ');
}

/**
 * Split an absolute-form target (`http://news.test:80/path?q`) into its parts, keeping the path
 * exactly as the client wrote it. Returns null when it is not an absolute http(s) URL.
 */
export function parseAbsoluteTarget(target) {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)([^#]*)$/i.exec(target);
  if (!match) return null;
  const [, scheme, authority, rest] = match;
  let url;
  try {
    url = new URL(`${scheme}://${authority}/`);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  const protocol = scheme.toLowerCase();
  const defaultPort = protocol === 'https' ? 443 : 80;
  return {
    scheme: protocol,
    host: url.hostname.toLowerCase(),
    port: Number(url.port || defaultPort),
    // What goes in Host: the authority without a default port, as RFC 9112 §3.2.2 asks.
    hostHeader: url.host.toLowerCase(),
    // Origin-form: what the origin gets on its request line.
    path: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest,
  };
}

/** Parse a CONNECT target (authority-form, `secure.test:443`). The port is required. */
export function parseAuthority(target) {
  const match = /^([a-z0-9.-]+|\[[0-9a-f:.]+\]):(\d{1,5})$/i.exec(target);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1].toLowerCase(), port };
}

/**
 * Headers for the request to the origin: hop-by-hop fields dropped (including every field named
 * in Connection, and the Proxy-Authorization this proxy consumed), Host set from the target, our
 * Via entry appended to any earlier one, Max-Forwards decremented on OPTIONS and TRACE.
 * @param {HeaderPairs} pairs
 * @returns {HeaderPairs}
 */
export function requestHeadersForOrigin(pairs, { method, hostHeader, via, httpVersion = '1.1' }) {
  const kept = withoutHopByHop(pairs);
  const earlierVia = headerValue(kept, 'via');
  /** @type {HeaderPairs} */
  const out = [['Host', hostHeader]];
  for (const [name, value] of kept) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'via') continue;
    if (lower === 'max-forwards' && (method === 'OPTIONS' || method === 'TRACE')) {
      const left = Number(value);
      out.push([name, String(Number.isInteger(left) && left > 0 ? left - 1 : 0)]);
      continue;
    }
    out.push([name, value]);
  }
  out.push(['Via', appendVia(earlierVia, via, httpVersion)]);
  return out;
}

/**
 * Headers for the response to the client: hop-by-hop fields dropped, our Via entry appended.
 * @param {HeaderPairs} pairs
 * @returns {HeaderPairs}
 */
export function responseHeadersForClient(pairs, { via, httpVersion = '1.1' }) {
  const kept = withoutHopByHop(pairs);
  const earlierVia = headerValue(kept, 'via');
  const out = withoutHeader(kept, 'via');
  out.push(['Via', appendVia(earlierVia, via, httpVersion)]);
  return out;
}

/**
 * Max-Forwards on OPTIONS and TRACE (RFC 9110 §7.6.2): at 0 this proxy must answer itself
 * instead of forwarding. Returns true when it must.
 */
export function answersItself(method, pairs) {
  if (method !== 'OPTIONS' && method !== 'TRACE') return false;
  const value = headerValue(pairs, 'max-forwards');
  return value !== undefined && Number(value.trim()) === 0;
}

/**
 * Check Proxy-Authorization against the staff credentials: 'ok', 'missing' or 'wrong'.
 * Basic credentials are only base64, not encryption: anyone on the path can read them.
 */
export function checkProxyAuth(value, credentials = STAFF_CREDENTIALS) {
  if (!value) return 'missing';
  const [scheme, token] = value.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic' || !token) return 'wrong';
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  return decoded === `${credentials.user}:${credentials.password}` ? 'ok' : 'wrong';
}

/** The name this proxy writes in Via: made from this lab run's secret, so it is new each run. */
export function proxyName(secret) {
  const suffix = String(secret ?? '')
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 10)
    .toLowerCase();
  return `proxy-${suffix || Math.random().toString(36).slice(2, 8)}`;
}
