// The lifecycle lab's gateway switch (lessons/09-lifecycle/gateways.ts) and the lab panel's word
// on how a gateway runs (src/ui/server-notes.ts): what a learner's environment variables choose.
import { describe, expect, it } from 'vitest';
import { GATEWAY_VARIABLE, gatewayKind, gatewaySpec } from '../../lessons/09-lifecycle/gateways.js';
import { serverNotes } from '../../src/ui/server-notes.js';

describe('the lifecycle gateway switch', () => {
  it('is the ASGI server unless GATEWAY_TUTOR_LIFECYCLE_GATEWAY says wsgi', () => {
    expect(gatewayKind({})).toBe('asgi');
    expect(gatewayKind({ [GATEWAY_VARIABLE]: 'asgi' })).toBe('asgi');
    expect(gatewayKind({ [GATEWAY_VARIABLE]: ' WSGI ' })).toBe('wsgi');
    expect(gatewaySpec('wsgi').role).toMatch(/^WSGI server/);
    expect(gatewaySpec('asgi').role).toMatch(/^ASGI server/);
  });

  it('names the variable and the values it takes when given something else', () => {
    expect(() => gatewayKind({ [GATEWAY_VARIABLE]: 'cgi' })).toThrow(/GATEWAY_TUTOR_LIFECYCLE_GATEWAY=wsgi/);
  });

  it('notes Gunicorn or Uvicorn in the lab panel when their engine variable is set', () => {
    const specs = [gatewaySpec('wsgi'), { ...gatewaySpec('asgi'), name: 'other' }];
    expect(serverNotes(specs, {})).toEqual({});
    expect(serverNotes(specs, { GATEWAY_TUTOR_WSGI_ENGINE: 'gunicorn' })).toEqual({ app: 'under Gunicorn' });
    expect(serverNotes(specs, { GATEWAY_TUTOR_ASGI_ENGINE: 'uvicorn' })).toEqual({ other: 'under Uvicorn' });
  });
});
