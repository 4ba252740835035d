// The meta-variables a CGI script is started with (src/servers/cgi/meta-variables.mjs), against
// RFC 3875 §4.1: which are always set, which only sometimes, and which headers never pass.
import { describe, expect, it } from 'vitest';
import { type CgiRequestInfo, metaVariables, scriptPath, searchWords } from '../../src/servers/cgi/meta-variables.mjs';
import { command } from '../../src/servers/cgi/run-script.mjs';

function request(overrides: Partial<CgiRequestInfo> = {}): CgiRequestInfo {
  return {
    method: 'GET',
    httpVersion: '1.1',
    headers: [
      ['Host', 'lab.test:8400'],
      ['User-Agent', 'curl/8.5.0'],
    ],
    scriptName: '/cgi-bin/env.sh',
    pathInfo: '',
    queryString: '',
    requestUri: '/cgi-bin/env.sh',
    contentLength: null,
    remoteAddress: '::ffff:127.0.0.1',
    remotePort: 50123,
    localPort: 8400,
    scriptFile: '/ws/cgi-bin/env.sh',
    documentRoot: '/ws',
    software: 'test-cgi/1.0',
    path: '/usr/bin:/bin',
    ...overrides,
  };
}

describe('metaVariables', () => {
  it('sets what §4.1 requires for every request, and nothing from the server’s own environment', () => {
    // Given a plain GET with no query and no body
    const { env } = metaVariables(request());
    // Then the required variables are there, QUERY_STRING empty but set (§4.1.7)
    expect(env).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'GET',
      QUERY_STRING: '',
      SCRIPT_NAME: '/cgi-bin/env.sh',
      SERVER_NAME: 'lab.test',
      SERVER_PORT: '8400',
      SERVER_SOFTWARE: 'test-cgi/1.0',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_PORT: '50123',
      HTTP_HOST: 'lab.test:8400',
      HTTP_USER_AGENT: 'curl/8.5.0',
      PATH: '/usr/bin:/bin',
    });
    // And what needs a body or an extra path is left unset
    for (const name of ['CONTENT_LENGTH', 'CONTENT_TYPE', 'PATH_INFO', 'PATH_TRANSLATED', 'AUTH_TYPE', 'REMOTE_USER'])
      expect(env).not.toHaveProperty(name);
    // And none of this process's own variables leak in
    expect(env).not.toHaveProperty('HOME');
    expect(Object.keys(env).filter((k) => process.env[k] !== undefined && k !== 'PATH')).toEqual([]);
  });

  it('passes PATH_INFO and maps it onto the document root as PATH_TRANSLATED', () => {
    const { env } = metaVariables(request({ pathInfo: '/books/a b', queryString: 'x=1&y=%20' }));
    expect(env.PATH_INFO).toBe('/books/a b');
    expect(env.PATH_TRANSLATED).toBe('/ws/books/a b');
    expect(env.QUERY_STRING).toBe('x=1&y=%20');
  });

  it('sets CONTENT_LENGTH and CONTENT_TYPE only with a body, and not as HTTP_*', () => {
    const { env } = metaVariables(
      request({
        method: 'POST',
        contentLength: 7,
        headers: [
          ['Host', '127.0.0.1:8400'],
          ['Content-Length', '7'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
        ],
      }),
    );
    expect(env.CONTENT_LENGTH).toBe('7');
    expect(env.CONTENT_TYPE).toBe('application/x-www-form-urlencoded');
    expect(env).not.toHaveProperty('HTTP_CONTENT_LENGTH');
    expect(env).not.toHaveProperty('HTTP_CONTENT_TYPE');
  });

  it('leaves out credentials, httpoxy and ambiguous names, and says why', () => {
    const { env, leftOut } = metaVariables(
      request({
        headers: [
          ['Host', 'h'],
          ['Authorization', 'Basic YWRhOnB3'],
          ['Proxy-Authorization', 'Basic x'],
          ['Proxy', 'http://evil.test:3128'],
          ['X_User', 'admin'],
          ['X-User', 'ada'],
        ],
      }),
    );
    expect(env).not.toHaveProperty('HTTP_AUTHORIZATION');
    expect(env).not.toHaveProperty('HTTP_PROXY_AUTHORIZATION');
    expect(env).not.toHaveProperty('HTTP_PROXY');
    // X-User arrives; X_User, which would land on the same variable, does not
    expect(env.HTTP_X_USER).toBe('ada');
    expect(leftOut).toHaveLength(4);
    expect(leftOut.join('\n')).toMatch(/Authorization: credentials/);
  });

  it('joins a repeated header into one value (§4.1.18)', () => {
    const { env } = metaVariables(
      request({
        headers: [
          ['Accept', 'text/html'],
          ['accept', 'text/plain'],
        ],
      }),
    );
    expect(env.HTTP_ACCEPT).toBe('text/html, text/plain');
  });

  it('gives header values to the script as the same bytes, UTF-8 or not', () => {
    // node hands header values over as latin-1 text: "Zoë" arrives as "ZoÃ«"
    const wire = Buffer.from('Zoë', 'utf8').toString('latin1');
    const { env } = metaVariables(
      request({
        headers: [
          ['X-Name', wire],
          ['X-Latin', '\xe9t\xe9'],
        ],
      }),
    );
    // the environment holds the bytes as they came, one character a byte
    expect(env.HTTP_X_NAME).toBe(wire);
    expect(env.HTTP_X_LATIN).toBe('\xe9t\xe9');
    // and so does the script's: UTF-8 bytes as text Node writes as UTF-8, others through sh
    const run = command('/srv/cgi-bin/env.sh', { HTTP_X_NAME: wire, HTTP_X_LATIN: '\xe9t\xe9' }, []);
    expect(run.program).toBe('/bin/sh');
    expect(run.env).toMatchObject({
      HTTP_X_NAME: 'Zoë',
      GT_RAW_NAMES: 'HTTP_X_LATIN',
      GT_RAW_HTTP_X_LATIN: '\\0351\\0164\\0351',
    });
    expect(run.env).not.toHaveProperty('HTTP_X_LATIN');
    // a name sh would read as code never reaches its eval (none comes from metaVariables)
    const odd = command('/srv/cgi-bin/env.sh', { 'X|$(id)': '\xe9', HTTP_X_LATIN: '\xe9' }, []);
    expect(odd.env.GT_RAW_NAMES).toBe('HTTP_X_LATIN');
    expect(JSON.stringify(odd.env)).not.toContain('id)');
    expect(command('/srv/cgi-bin/env.sh', { HTTP_X_NAME: wire }, [])).toMatchObject({
      program: '/srv/cgi-bin/env.sh',
      env: { HTTP_X_NAME: 'Zoë' },
    });
  });

  it('takes SERVER_NAME from the Host header, with IPv6 brackets kept, and has a fallback', () => {
    expect(metaVariables(request({ headers: [['Host', '[::1]:8400']] })).env.SERVER_NAME).toBe('[::1]');
    expect(metaVariables(request({ headers: [] })).env.SERVER_NAME).toBe('127.0.0.1');
  });
});

describe('searchWords (§4.4, the command line of an indexed query)', () => {
  it('splits a GET query without "=" on "+" and decodes each word', () => {
    expect(searchWords('GET', 'apple+pear%20tart')).toEqual(['apple', 'pear tart']);
  });
  it('gives nothing for a query with "=", a POST, an empty query, or a broken escape', () => {
    expect(searchWords('GET', 'a=1')).toEqual([]);
    expect(searchWords('POST', 'apple')).toEqual([]);
    expect(searchWords('GET', '')).toEqual([]);
    expect(searchWords('GET', 'bad%zz+word')).toEqual([]);
  });
});

describe('scriptPath', () => {
  it('is the system folders plus the folder of this node, once', () => {
    expect(scriptPath('/opt/node/bin')).toBe('/usr/local/bin:/usr/bin:/bin:/opt/node/bin');
    expect(scriptPath('/usr/bin')).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});
