// Lessons made in code for engine tests, so they need no lesson folder.
import { join } from 'node:path';
import type { LoadedLesson, ServerSpec, Step } from '../../src/engine/types.js';
import { tinyEvents } from '../fixtures/tiny-events.js';
import { tempDir } from './env.js';

export const tinyServer = join(import.meta.dirname, '..', 'fixtures', 'tiny-server.mjs');

export function tinyLesson(
  overrides: { servers?: Partial<ServerSpec>[]; steps?: Step[]; secrets?: string[] } = {},
): LoadedLesson {
  const servers = (overrides.servers ?? [{}]).map((server, index) => ({
    name: `tiny-${index + 1}`,
    role: 'test server',
    events: tinyEvents,
    program: { node: tinyServer },
    port: 0,
    readyTimeoutMs: 3000,
    ...server,
  }));
  const steps = overrides.steps ?? [{ id: 'intro', kind: 'read', title: 'Intro', text: 'intro.md' } as Step];
  return {
    id: 'tiny',
    title: 'Tiny',
    summary: 'for tests',
    layer: 'client',
    requires: [],
    ...(overrides.secrets ? { secrets: overrides.secrets } : {}),
    servers,
    steps,
    dir: tempDir('tiny-lesson'),
    order: 1,
    texts: Object.fromEntries(steps.map((s) => [s.id, `# ${s.title}`])),
  };
}
