// The request detail view: a server's own fields after the request and response, and a map of
// plain values (a CGI script's environment) as one sorted NAME=value line each.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '../../src/engine/types.js';
import { RequestDetail } from '../../src/ui/views/request-detail.js';

describe('RequestDetail', () => {
  it('lists an environment map one sorted variable per line, after the short fields', () => {
    // Given a CGI request event with its pid and the environment the script got
    const request = {
      seq: 3,
      time: Date.UTC(2026, 0, 1, 10, 0, 0),
      server: 'cgi',
      event: 'request',
      method: 'GET',
      target: '/cgi-bin/env.sh?x=1',
      headers: [['Host', '127.0.0.1']],
      status: 200,
      pid: 4242,
      env: { QUERY_STRING: 'x=1', GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'GET' },
    } as RequestEvent;
    // When the detail is drawn
    const { lastFrame, unmount } = render(<RequestDetail request={request} number={1} rows={30} />);
    const lines = (lastFrame() ?? '').split('\n').map((line) => line.trim());
    unmount();
    // Then the pid is a short field, and the environment follows, sorted
    const env = lines.indexOf('env:');
    expect(lines.indexOf('pid: 4242')).toBeGreaterThan(-1);
    expect(env).toBeGreaterThan(lines.indexOf('pid: 4242'));
    expect(lines.slice(env + 1, env + 4)).toEqual([
      'GATEWAY_INTERFACE=CGI/1.1',
      'QUERY_STRING=x=1',
      'REQUEST_METHOD=GET',
    ]);
  });

  it('shows a FastCGI request as its records, both ways, with the PARAMS pairs', () => {
    // Given a request event of the FastCGI front, with its wire view
    const request = {
      seq: 4,
      time: Date.UTC(2026, 0, 1, 10, 0, 0),
      server: 'fastcgi',
      event: 'request',
      method: 'GET',
      target: '/?name=wire',
      headers: [['Host', '127.0.0.1']],
      status: 200,
      requestId: 4711,
      records: [
        { dir: 'out', type: 'BEGIN_REQUEST', requestId: 4711, contentLength: 8, role: 'RESPONDER', keepConn: true },
        {
          dir: 'out',
          type: 'PARAMS',
          requestId: 4711,
          contentLength: 30,
          paddingLength: 2,
          pairs: [['QUERY_STRING', 'name=wire']],
        },
        { dir: 'out', type: 'PARAMS', requestId: 4711, contentLength: 0, pairs: [] },
        {
          dir: 'in',
          type: 'END_REQUEST',
          requestId: 4711,
          contentLength: 8,
          appStatus: 0,
          protocolStatus: 'REQUEST_COMPLETE',
        },
      ],
    } as RequestEvent;
    // When the detail is drawn
    const { lastFrame, unmount } = render(<RequestDetail request={request} number={2} rows={30} />);
    const lines = (lastFrame() ?? '').split('\n').map((line) => line.trim());
    unmount();
    // Then each record is a line with its direction, type and id, and the pairs follow PARAMS
    const start = lines.indexOf('records (4):');
    expect(start).toBeGreaterThan(-1);
    expect(lines[start + 1]).toMatch(/^→ BEGIN_REQUEST\s+id 4711\s+8 bytes\s+role RESPONDER, KEEP_CONN$/);
    expect(lines[start + 2]).toMatch(/^→ PARAMS\s+id 4711\s+30 bytes \+2 pad/);
    expect(lines[start + 3]).toBe('QUERY_STRING=name=wire');
    expect(lines[start + 5]).toMatch(/^← END_REQUEST .*app status 0, REQUEST_COMPLETE$/);
    expect(lines.some((line) => line.startsWith('records: ['))).toBe(false);
  });
});
