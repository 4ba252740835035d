// The lifecycle lesson walked again with each gateway the learner can choose (walk.test.ts walks
// it with the default, the ASGI lab server): the WSGI lab server (GATEWAY_TUTOR_LIFECYCLE_GATEWAY=
// wsgi), and the real peers, Gunicorn and Uvicorn (GATEWAY_TUTOR_WSGI_ENGINE / _ASGI_ENGINE). Every
// step must fail before and pass after with each, and the journeys must name the gateway that ran.
// The peers need a Python that imports them (Debian: python3-gunicorn, python3-uvicorn, seen by
// /usr/bin/python3); without one those walks are skipped with the reason.
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { GATEWAY_VARIABLE } from '../../lessons/09-lifecycle/gateways.js';
import { loadCatalog } from '../../src/engine/catalog.js';
import { isTrace } from '../../src/engine/journey.js';
import type { Lab } from '../../src/engine/lab.js';
import { lessonAvailability } from '../../src/engine/requirements.js';
import type { LoadedLesson } from '../../src/engine/types.js';
import { walkLesson } from './walk-lesson.js';

const only = process.env.WALK_LESSON;

/** The lifecycle lesson as the tutor loads it with GATEWAY_TUTOR_LIFECYCLE_GATEWAY=`gateway`.
 * The lesson reads the variable when its module loads: the module is loaded afresh each time, and
 * the variable is put back at once, so no other test sees it. */
async function lifecycleWith(gateway: 'asgi' | 'wsgi'): Promise<LoadedLesson> {
  const before = process.env[GATEWAY_VARIABLE];
  process.env[GATEWAY_VARIABLE] = gateway;
  vi.resetModules();
  try {
    const catalog = await loadCatalog({ only: 'lifecycle' });
    expect(catalog.problems).toEqual([]);
    return catalog.find('lifecycle')!;
  } finally {
    if (before === undefined) delete process.env[GATEWAY_VARIABLE];
    else process.env[GATEWAY_VARIABLE] = before;
  }
}

function pythonWith(module: string): string | undefined {
  for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c))) {
    try {
      execFileSync(candidate, ['-c', `import ${module}`], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* the next one */
    }
  }
  return undefined;
}

/** The same lesson with an engine variable on its gateway server (read by the server). */
function withEngine(lesson: LoadedLesson, env: Record<string, string>): LoadedLesson {
  return {
    ...lesson,
    servers: lesson.servers.map((s) => (s.name === 'app' ? { ...s, env: { ...s.env, ...env } } : s)),
  };
}

/** The last test of a walk: the journeys' gateway hop was `hop`, on the app server. */
function gatewayWas(hop: string) {
  return {
    title: `every journey that reached the gateway names it "${hop}"`,
    test: (lab: Lab) => {
      const gatewayHops = lab.events().filter((e) => isTrace(e) && e.depth === 1);
      expect(gatewayHops.length).toBeGreaterThan(0);
      expect(new Set(gatewayHops.map((e) => isTrace(e) && `${e.server}:${e.hop}`))).toEqual(new Set([`app:${hop}`]));
    },
  };
}

// The Lab runs Python lab servers with $PYTHON: make it one that imports the peers, if there is one.
const peers = pythonWith('gunicorn, uvicorn');
if (peers) process.env.PYTHON = peers;
const gunicornPython = peers ?? pythonWith('gunicorn');
const uvicornPython = peers ?? pythonWith('uvicorn');
if (!peers && gunicornPython) process.env.PYTHON = gunicornPython;
if (!peers && !gunicornPython && uvicornPython) process.env.PYTHON = uvicornPython;
const python = process.env.PYTHON;
const walks: { title: string; gateway: 'asgi' | 'wsgi'; env: Record<string, string>; hop: string; skip?: string }[] = [
  { title: 'lifecycle with the WSGI gateway', gateway: 'wsgi', env: {}, hop: 'wsgi' },
  {
    title: 'lifecycle with the WSGI gateway under Gunicorn',
    gateway: 'wsgi',
    env: { GATEWAY_TUTOR_WSGI_ENGINE: 'gunicorn' },
    hop: 'gunicorn',
    skip:
      gunicornPython && gunicornPython === python
        ? undefined
        : 'no Python here imports gunicorn (apt-get install python3-gunicorn, PYTHON=/usr/bin/python3)',
  },
  {
    title: 'lifecycle with the ASGI gateway under Uvicorn',
    gateway: 'asgi',
    env: { GATEWAY_TUTOR_ASGI_ENGINE: 'uvicorn' },
    hop: 'uvicorn',
    skip:
      uvicornPython && uvicornPython === python
        ? undefined
        : 'no Python here imports uvicorn (apt-get install python3-uvicorn, PYTHON=/usr/bin/python3)',
  },
];

if (!only || only === 'lifecycle') {
  const lessons = { asgi: await lifecycleWith('asgi'), wsgi: await lifecycleWith('wsgi') };
  for (const walk of walks) {
    const availability = await lessonAvailability(lessons[walk.gateway]);
    const skip = walk.skip ?? (availability.available ? undefined : availability.missing.map((m) => m.why).join('; '));
    describe.skipIf(skip !== undefined)(`${walk.title}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      walkLesson(withEngine(lessons[walk.gateway], walk.env), {
        name: `lifecycle-${walk.hop}`,
        // walk.test.ts walks the same lesson at the same time, on its preferred ports.
        preferredPorts: false,
        lastly: gatewayWas(walk.hop),
      });
    });
  }
} else {
  // WALK_LESSON names another lesson: say so, rather than leave a file with no test in it (which
  // vitest counts as a failure).
  describe.skip(`the lifecycle lesson with each gateway (WALK_LESSON is ${only})`, () => {
    it('walks only when WALK_LESSON is lifecycle or unset', () => {});
  });
}
