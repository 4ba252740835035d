// The request, turned into environment variables for the script: RFC 3875 §4.1 calls them
// meta-variables. This is the whole "interface" of CGI on the way in: a script learns about the
// request only from these variables, and from the body on its standard input.
//
// The environment holds nothing else but PATH: not the lab server's own variables, not the
// tutor's. A script cannot read what it was not meant to see, and what it sees is all here.
import { headerValue } from '../lib/headers.mjs';

/** Where a script looks for programs: the usual system folders, plus the folder of the node
 * that runs this server (so a `#!/usr/bin/env node` script finds it even outside /usr/bin). */
/**
 * @param {string} [nodeBinDir]
 * @returns {string}
 */
export function scriptPath(nodeBinDir) {
  const dirs = ['/usr/local/bin', '/usr/bin', '/bin'];
  if (nodeBinDir && !dirs.includes(nodeBinDir)) dirs.push(nodeBinDir);
  return dirs.join(':');
}

// Request headers that never become HTTP_* variables, and why (§4.1.18, §9.2).
const LEFT_OUT = new Map([
  ['authorization', 'credentials are not passed to scripts (RFC 3875 §4.1.18, §9.2)'],
  ['proxy-authorization', 'credentials are not passed to scripts (RFC 3875 §9.2)'],
  ['content-length', 'already in CONTENT_LENGTH'],
  ['content-type', 'already in CONTENT_TYPE'],
  // "httpoxy" (2016): HTTP_PROXY would look like the proxy setting many HTTP libraries read, so
  // a client could make a script send its own requests through the client's proxy.
  ['proxy', 'HTTP_PROXY would pose as the http_proxy setting of the script ("httpoxy")'],
]);

/**
 * What the server knows about one request, as the meta-variables need it.
 * @typedef {object} CgiRequestInfo
 * @property {string} method
 * @property {string} httpVersion "1.1"
 * @property {[string, string][]} headers in wire order
 * @property {string} scriptName URL path of the script, percent-decoded bytes: /cgi-bin/env.sh
 * @property {string} pathInfo the rest of the path, percent-decoded bytes, or ""
 * @property {string} queryString as in the URL (still %-encoded), or ""
 * @property {string} requestUri the request target as the client sent it
 * @property {number | null} contentLength bytes of body, or null when there is none
 * @property {string | undefined} remoteAddress
 * @property {number | undefined} remotePort
 * @property {number | undefined} localPort
 * @property {string} scriptFile the file that runs, its name's bytes
 * @property {string} documentRoot where PATH_INFO is mapped to make PATH_TRANSLATED, its bytes
 * @property {string} software SERVER_SOFTWARE
 * @property {string} path the PATH for the script
 */

/**
 * Build the environment of one CGI request. Every value is a byte string, one character a byte
 * (as node:http hands over header values, as readPath decodes the path): the environment holds
 * bytes, and the script gets these very bytes (run-script.mjs writes them), as under Apache.
 * @param {CgiRequestInfo} request
 * @returns {{ env: Record<string, string>, leftOut: string[] }} leftOut: headers not passed, with why
 */
export function metaVariables(request) {
  /** @type {Record<string, string>} */
  const env = { PATH: request.path };
  /** @type {string[]} */
  const leftOut = [];
  const host = headerValue(request.headers, 'host');

  // §4.1: the variables every request gets.
  env.GATEWAY_INTERFACE = 'CGI/1.1';
  env.SERVER_SOFTWARE = request.software;
  env.SERVER_PROTOCOL = `HTTP/${request.httpVersion}`;
  env.SERVER_NAME = serverName(host);
  env.SERVER_PORT = String(request.localPort);
  env.REQUEST_METHOD = request.method;
  env.SCRIPT_NAME = request.scriptName;
  // Always set, even when empty: "the QUERY_STRING MUST be defined as an empty string" (§4.1.7).
  env.QUERY_STRING = request.queryString;
  env.REMOTE_ADDR = plainAddress(request.remoteAddress);
  // §4.1.9: a server that does not look the name up in DNS "MAY substitute the REMOTE_ADDR value".
  env.REMOTE_HOST = env.REMOTE_ADDR;
  // PATH_INFO and PATH_TRANSLATED are left unset when there is no extra path (§4.1.5, §4.1.6).
  if (request.pathInfo !== '') {
    env.PATH_INFO = request.pathInfo;
    env.PATH_TRANSLATED = request.documentRoot + request.pathInfo;
  }
  // Set "if and only if the request is accompanied by a message-body" (§4.1.2).
  if (request.contentLength !== null) env.CONTENT_LENGTH = String(request.contentLength);
  const contentType = headerValue(request.headers, 'content-type');
  if (contentType !== undefined) env.CONTENT_TYPE = contentType;
  // This server authenticates nobody, so AUTH_TYPE, REMOTE_USER and REMOTE_IDENT stay unset.

  // Not in RFC 3875, but set by Apache and nginx alike, and read by many scripts (and php-cgi).
  env.REMOTE_PORT = String(request.remotePort);
  env.REQUEST_URI = request.requestUri;
  env.SCRIPT_FILENAME = request.scriptFile;

  // §4.1.18: every other header as HTTP_ + its name in upper case with "-" turned into "_".
  const joined = new Map();
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    const why = LEFT_OUT.get(lower);
    if (why) {
      leftOut.push(`${name}: ${why}`);
      continue;
    }
    // A name with "_" (or anything but letters, digits and "-") would collide with another
    // header's variable: X_User and X-User both make HTTP_X_USER. Apache drops them; so do we.
    if (!/^[A-Za-z0-9-]+$/.test(name)) {
      leftOut.push(`${name}: only letters, digits and "-" make an unambiguous variable name`);
      continue;
    }
    const key = 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
    // Repeated headers become one variable "having the same semantics": a comma-separated list.
    joined.set(key, joined.has(key) ? `${joined.get(key)}, ${value}` : value);
  }
  for (const [key, value] of joined) env[key] = value;
  return { env, leftOut };
}

/** SERVER_NAME comes from the Host header the client sent (the name it asked for), without the
 * port; the address we listen on when there is none. */
function serverName(host) {
  if (!host) return '127.0.0.1';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || '127.0.0.1';
  return host.split(':')[0] || '127.0.0.1';
}

/** Node reports an IPv4 client on a dual-stack socket as ::ffff:127.0.0.1; CGI wants 127.0.0.1. */
function plainAddress(address) {
  return (address ?? '').replace(/^::ffff:/, '');
}

/**
 * The script's command line (§4.4): only for an "indexed" query, a GET or HEAD whose query has no
 * unencoded "=" (`?apple+pear`), split on "+" and decoded. Any other request gets no arguments,
 * and so does one whose words cannot all be decoded ("MUST NOT generate any command line").
 */
/**
 * @param {string} method
 * @param {string} queryString
 * @returns {string[]}
 */
export function searchWords(method, queryString) {
  if ((method !== 'GET' && method !== 'HEAD') || queryString === '' || queryString.includes('=')) return [];
  try {
    return queryString.split('+').map((word) => decodeURIComponent(word));
  } catch {
    return [];
  }
}
