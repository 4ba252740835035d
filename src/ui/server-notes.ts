// A word about how a lab server runs, where it changes what the learner sees: the WSGI lab under
// Gunicorn (its `--engine` argument, or GATEWAY_TUTOR_WSGI_ENGINE, which the server reads too)
// runs the same app in Gunicorn's own workers, with no wsgiref.validate explanations.
import type { ServerSpec } from '../engine/types.js';

export function serverNotes(
  specs: readonly ServerSpec[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const spec of specs) {
    const program = spec.program;
    if (!('python' in program) || !program.python.endsWith('wsgi_server.py')) continue;
    const args = program.args ?? [];
    const at = args.indexOf('--engine');
    const engine = at >= 0 ? args[at + 1] : (spec.env?.GATEWAY_TUTOR_WSGI_ENGINE ?? env.GATEWAY_TUTOR_WSGI_ENGINE);
    if (engine === 'gunicorn') notes[spec.name] = 'under Gunicorn';
  }
  return notes;
}
