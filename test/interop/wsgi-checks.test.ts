// Lesson 6's edit checks against apps broken in ways that break the response itself. Each is the
// learner's bug: the check must fail (not error, which blames the tutor) and say what the wire and
// the server showed. Runs the real lab (the engine set by GATEWAY_TUTOR_WSGI_ENGINE, if any).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { lessonAvailability } from '../../src/engine/requirements.js';
import { tempDir } from '../helpers/env.js';

const catalog = await loadCatalog();
const lesson = catalog.lessons.find((l) => l.id === 'wsgi')!;
const availability = await lessonAvailability(lesson);
const solution = readFileSync(join(import.meta.dirname, '../../lessons/06-wsgi/solutions/app_hello.py'), 'utf8');
const withMiddleware = readFileSync(
  join(import.meta.dirname, '../../lessons/06-wsgi/solutions/app_middleware.py'),
  'utf8',
);

/** A step's solution with some lines changed, plus a /version marker. */
function variant(version: string, replace: [string, string][], base = solution): string {
  let source = base;
  for (const [from, to] of replace) {
    expect(source).toContain(from);
    source = source.replace(from, to);
  }
  return source.replace(
    "    if path == '/':",
    `    if path == '/version':\n        start_response('200 OK', [('Content-Type', 'text/plain')])\n        return [b'${version}']\n\n    if path == '/':`,
  );
}

describe.skipIf(!availability.available)(
  `lesson 6 edit checks blame the app, not the tutor${availability.available ? '' : ' (skipped: no Python)'}`,
  () => {
    let lab: Lab;
    let workspace: string;

    beforeAll(async () => {
      lab = await Lab.start(lesson, { workspace: tempDir('wsgi-checks') });
      workspace = lab.lessonWorkspace;
    }, 30_000);
    afterAll(() => lab?.teardown());

    /** Save the app as the learner would, and wait until the server serves this version. */
    async function save(version: string, replace: [string, string][], base = solution): Promise<void> {
      writeFileSync(join(workspace, 'app.py'), variant(version, replace, base));
      await expect
        .poll(
          async () => {
            const response = await fetch(`${lab.url('wsgi')}/version`).catch(() => undefined);
            return response ? await response.text() : '';
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBe(version);
    }

    it('a Content-Length larger than the body: fails, quoting the declared and the received bytes', async () => {
      await save('short', [
        [
          "('Cache-Control', 'no-store'),\n                                  ('Content-Length', str(len(body)))",
          "('Cache-Control', 'no-store'),\n                                  ('Content-Length', str(len(body) + 10))",
        ],
      ]);
      lab.beginStep('hello-json');
      const outcome = await lab.check('hello-json');
      expect(outcome.status, outcome.message).toBe('fail');
      expect(outcome.message).toMatch(/never finished/);
      expect(outcome.details.join('\n')).toMatch(/Content-Length \d+/);
      expect(outcome.details.join('\n')).toMatch(/str\(len\(body\)\)/);
    }, 20_000);

    it('a header value outside latin-1: fails, and says what the server did', async () => {
      await save('euro', [["('Cache-Control', 'no-store'),", "('Cache-Control', 'no-store'), ('X-Price', '5 €'),"]]);
      lab.beginStep('hello-json');
      const outcome = await lab.check('hello-json');
      expect(outcome.status, outcome.message).toBe('fail');
      // The lab's server answers 500 and names the rule; Gunicorn 20 sends nothing at all.
      const said = `${outcome.message}\n${outcome.details.join('\n')}`;
      if (/no response at all/.test(outcome.message)) expect(said).toMatch(/Empty reply from server/);
      else expect(said).toMatch(/500[\s\S]*latin-1/);
    }, 20_000);

    it('Cache-Control with no-store among other directives passes', async () => {
      await save('directives', [
        ["('Cache-Control', 'no-store')", "('Cache-Control', 'private, No-Store, max-age=0')"],
      ]);
      lab.beginStep('hello-json');
      const outcome = await lab.check('hello-json');
      expect(outcome.status, `${outcome.message}\n${outcome.details.join('\n')}`).toBe('pass');
    }, 20_000);

    it('a middleware that drops exc_info: fails, though every response carries the header', async () => {
      await save(
        'drops-exc-info',
        [["headers + [('X-Middleware', 'wsgi-tutor')], exc_info)", "headers + [('X-Middleware', 'wsgi-tutor')])"]],
        withMiddleware,
      );
      lab.beginStep('middleware');
      const outcome = await lab.check('middleware');
      expect(outcome.status, outcome.message).toBe('fail');
      expect(outcome.message).toMatch(/exc_info/);
    }, 20_000);

    it('a middleware that collects the body into one piece: fails, and says why that matters', async () => {
      await save(
        'collapses',
        [['return inner(environ, start_with_header)', "return [b''.join(inner(environ, start_with_header))]"]],
        withMiddleware,
      );
      lab.beginStep('middleware');
      const outcome = await lab.check('middleware');
      expect(outcome.status, outcome.message).toBe('fail');
      expect(outcome.message).toMatch(/iterable/);
    }, 20_000);

    it('an app slower than the check waits: fails and says the app was too slow', async () => {
      await save('slow', [
        [
          "        query = parse_qs(environ['QUERY_STRING'])",
          "        time.sleep(6)\n        query = parse_qs(environ['QUERY_STRING'])",
        ],
      ]);
      lab.beginStep('hello-json');
      const outcome = await lab.check('hello-json');
      expect(outcome.status, outcome.message).toBe('fail');
      expect(outcome.message).toMatch(/did not answer GET \/hello.* within \d+ s/);
    }, 30_000);
  },
);
