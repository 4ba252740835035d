// Small lessons for view and session tests: one step of every kind, texts with a table and code.
import type { LoadedLesson } from '../../../src/engine/types.js';
import { originEvents } from '../../../src/servers/http/events.js';

export function warmUp(overrides: Partial<LoadedLesson> = {}): LoadedLesson {
  return {
    id: 'warm-up',
    title: 'HTTP warm-up',
    summary: 'Requests with curl',
    layer: 'client',
    requires: [],
    dir: '/nowhere/01-warm-up',
    order: 1,
    servers: [{ name: 'origin', role: 'origin server', events: originEvents, program: { node: 'x.mjs' }, port: 8080 }],
    steps: [
      { id: 'look', kind: 'read', title: 'What a request is', text: 'look.md' },
      {
        id: 'get',
        kind: 'probe',
        title: 'GET with -v',
        text: 'get.md',
        commands: ['curl -v {{origin.url}}/'],
        hints: ['Copy the command.', 'Mind the port.'],
      },
      { id: 'token', kind: 'answer', title: 'Find the token', text: 'token.md', hints: ['Look at the headers.'] },
      { id: 'script', kind: 'edit', title: 'Edit the script', text: 'script.md', watch: 'app.py' },
      { id: 'down', kind: 'drill', title: 'Stop the origin', text: 'down.md' },
    ],
    texts: {
      look: '# Requests\n\nA request has a **request line**, headers and a body.\n\n| part | example |\n| --- | --- |\n| method | GET |\n| target | /headers |\n\n```\nGET / HTTP/1.1\nHost: 127.0.0.1:{{origin.port}}\n```\n',
      get: 'Run the command below against {{origin.url}}.',
      token: 'The origin sends a token in a header. Type it.',
      script: 'Edit the file so that it answers 200.',
      down: 'Stop the origin and see what curl says.',
    },
    ...overrides,
  };
}

export function pythonLesson(): LoadedLesson {
  return warmUp({ id: 'wsgi', title: 'WSGI', summary: 'PEP 3333', layer: 'gateway', order: 6, requires: ['python3'] });
}
