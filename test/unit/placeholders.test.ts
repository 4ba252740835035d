import { describe, expect, it } from 'vitest';
import { fillPlaceholders } from '../../src/engine/placeholders.js';
import { proxyTrouble } from '../../src/commands/doctor.js';

describe('fillPlaceholders', () => {
  const servers = { proxy: { port: 8300, https: 8443 }, 'app-1': { port: 8301 } };
  it('fills URLs, ports, hosts, extra ports and the workspace', () => {
    expect(fillPlaceholders('curl {{proxy.url}}/ {{app-1.port}} {{proxy.host}}', servers, '/ws')).toBe('curl http://127.0.0.1:8300/ 8301 127.0.0.1:8300');
    expect(fillPlaceholders('{{proxy.https}} {{proxy.https-url}} {{workspace}}/ca.pem', servers, '/ws')).toBe('8443 https://127.0.0.1:8443 /ws/ca.pem');
  });
  it('leaves unknown placeholders visible rather than guessing', () => {
    expect(fillPlaceholders('{{nope.url}} {{proxy.nope}}', servers, '/ws')).toBe('{{nope.url}} {{proxy.nope}}');
  });
});

describe('doctor proxy warning', () => {
  it('warns when a proxy variable would capture requests for 127.0.0.1', () => {
    expect(proxyTrouble({ http_proxy: 'http://corp:3128' })[0]).toMatch(/http_proxy is set and no_proxy does not name 127.0.0.1/);
    expect(proxyTrouble({ http_proxy: 'http://corp:3128', no_proxy: 'localhost,127.0.0.1' })).toEqual([]);
    expect(proxyTrouble({})).toEqual([]);
  });
});
