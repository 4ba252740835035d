// A word about how a lab server runs, where it changes what the learner sees: the WSGI lab under
// Gunicorn (its `--engine` argument, or GATEWAY_TUTOR_WSGI_ENGINE, which the server reads too)
// runs the same app in Gunicorn's own workers, with no wsgiref.validate explanations; the ASGI lab
// under Uvicorn (GATEWAY_TUTOR_ASGI_ENGINE) runs it in Uvicorn's HTTP and WebSocket code.
import type { ServerSpec } from '../engine/types.js';

const ENGINES = [
  { server: 'wsgi_server.py', variable: 'GATEWAY_TUTOR_WSGI_ENGINE', engine: 'gunicorn', note: 'under Gunicorn' },
  { server: 'asgi_server.py', variable: 'GATEWAY_TUTOR_ASGI_ENGINE', engine: 'uvicorn', note: 'under Uvicorn' },
];

export function serverNotes(
  specs: readonly ServerSpec[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const spec of specs) {
    const program = spec.program;
    if (!('python' in program)) continue;
    const known = ENGINES.find((e) => program.python.endsWith(e.server));
    if (!known) continue;
    const args = program.args ?? [];
    const at = args.indexOf('--engine');
    const engine = at >= 0 ? args[at + 1] : (spec.env?.[known.variable] ?? env[known.variable]);
    if (engine === known.engine) notes[spec.name] = known.note;
  }
  return notes;
}
