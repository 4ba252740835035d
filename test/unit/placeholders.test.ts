import { describe, expect, it } from 'vitest';
import { fillPlaceholders } from '../../src/engine/placeholders.js';
import { proxyTrouble } from '../../src/commands/doctor.js';

describe('fillPlaceholders', () => {
  const values = {
    servers: { proxy: { port: 8300, https: 8443 }, 'app-1': { port: 8301 } },
    workspace: '/ws',
    tutor: 'gateway-tutor',
  };
  it('fills URLs, ports, hosts, extra ports, the workspace and the tutor command', () => {
    expect(fillPlaceholders('curl {{proxy.url}}/ {{app-1.port}} {{proxy.host}}', values)).toBe(
      'curl http://127.0.0.1:8300/ 8301 127.0.0.1:8300',
    );
    expect(fillPlaceholders('{{proxy.https}} {{proxy.https-url}} {{workspace}}/ca.pem', values)).toBe(
      '8443 https://127.0.0.1:8443 /ws/ca.pem',
    );
    expect(fillPlaceholders('{{tutor}} ctl x stop app-1', values)).toBe('gateway-tutor ctl x stop app-1');
  });
  it('uses the scheme of an https server in its URL', () => {
    expect(fillPlaceholders('{{proxy.url}}', { ...values, schemes: { proxy: 'https' } })).toBe(
      'https://127.0.0.1:8300',
    );
  });
  it('quotes a workspace path with spaces or quotes in commands, and only there', () => {
    const odd = { ...values, workspace: "/home/ada/my labs/it's" };
    expect(fillPlaceholders('cat {{workspace}}/ca.pem', odd, 'command')).toBe(
      `cat '/home/ada/my labs/it'\\''s'/ca.pem`,
    );
    expect(fillPlaceholders('Open {{workspace}}/app.py', odd)).toBe("Open /home/ada/my labs/it's/app.py");
    expect(fillPlaceholders('Open {{workspace}}.\n```sh\ncat {{workspace}}/x\n```\n', odd, 'markdown')).toBe(
      `Open /home/ada/my labs/it's.\n\`\`\`sh\ncat '/home/ada/my labs/it'\\''s'/x\n\`\`\`\n`,
    );
  });
  it('leaves unknown placeholders visible rather than guessing', () => {
    expect(fillPlaceholders('{{nope.url}} {{proxy.nope}}', values)).toBe('{{nope.url}} {{proxy.nope}}');
  });
});

describe('doctor proxy warning', () => {
  it('warns when a proxy variable would capture requests for 127.0.0.1', () => {
    expect(proxyTrouble({ http_proxy: 'http://corp:3128' })[0]).toMatch(
      /http_proxy is set and no_proxy does not name 127.0.0.1/,
    );
    expect(proxyTrouble({ http_proxy: 'http://corp:3128', no_proxy: 'localhost,127.0.0.1' })).toEqual([]);
    expect(proxyTrouble({})).toEqual([]);
  });
});
