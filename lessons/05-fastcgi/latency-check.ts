// CGI against FastCGI, measured: the same handler (handler.py) answered by a new Python process
// for each request (the CGI server running cgi-bin/run-handler.py) and by a resident one (the
// FastCGI front and its app pool). The lab times every request on its side; the learner times
// them with curl. What CGI adds per request (the difference of the two averages) is the answer,
// within a range: it depends on the machine, never on a number written down here. (A difference,
// not a ratio: curl's own time per request, a millisecond or two, adds to both sides alike.)
import { fail, pass } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult, RequestEvent, SolveContext } from '../../src/engine/types.js';
import type { cgiEvents } from '../../src/servers/cgi/events.js';
import type { fastcgiAppEvents, fastcgiFrontEvents } from '../../src/servers/fastcgi/events.js';

/** The lesson's servers (this check reads the CGI server and the FastCGI front). */
type LatencyContext = CheckContext<{
  fastcgi: typeof fastcgiFrontEvents;
  cgi: typeof cgiEvents;
  app: typeof fastcgiAppEvents;
}>;

const RUNS = 10;
const timing = (url: string) =>
  `for i in $(seq ${RUNS}); do curl -s -o /dev/null -w '%{time_total}\\n' ${url}; done | awk '{ t += $1 } END { printf "%.2f ms per request\\n", t / NR * 1000 }'`;

export const latencyCommands = [timing('{{cgi.url}}/cgi-bin/run-handler.py'), timing('{{fastcgi.url}}/')];

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function timed<R extends RequestEvent>(requests: R[], keep: (r: R) => boolean): number[] {
  return requests
    .filter((r) => r.status === 200 && typeof r.durationMs === 'number' && keep(r))
    .map((r) => r.durationMs!)
    .slice(-RUNS);
}

export async function checkLatency(ctx: LatencyContext): Promise<CheckResult> {
  const cgi = timed(ctx.requests('cgi'), (r) => r.script === 'run-handler.py');
  const fastcgi = timed(ctx.requests('fastcgi'), () => true);
  if (cgi.length < RUNS / 2 || fastcgi.length < RUNS / 2) {
    return fail({
      message: `The lab has timed ${cgi.length} CGI and ${fastcgi.length} FastCGI requests in this step.`,
      saw: `${cgi.length} timed CGI request(s) of run-handler.py and ${fastcgi.length} timed FastCGI request(s)`,
      expected: `at least ${RUNS / 2} of each (run both commands)`,
    });
  }
  const added = mean(cgi) - mean(fastcgi);
  const ratio = mean(cgi) / Math.max(mean(fastcgi), 0.01);
  const low = Math.max(0, added / 3 - 1);
  const high = added * 3 + 3;
  const given = Number(/-?\d+(?:[.,]\d+)?/.exec(ctx.answer ?? '')?.[0]?.replace(',', '.'));
  const measured = `the lab measured ${mean(cgi).toFixed(2)} ms per CGI request and ${mean(fastcgi).toFixed(2)} ms per FastCGI request`;
  if (!Number.isFinite(given) || given < low || given > high) {
    return fail({
      message: 'That is not what CGI adds to a request here.',
      saw: ctx.answer || 'no answer',
      expected: `the first average minus the second, in milliseconds: ${measured}, so between ${low.toFixed(1)} and ${high.toFixed(1)} ms`,
    });
  }
  return pass(
    `Right: CGI adds about ${added.toFixed(0)} ms to every request, ${ratio.toFixed(0)} times the FastCGI time (${measured}). ` +
      'The handler is the same; the difference is a new Python process, its start-up and its imports, for every CGI ' +
      'request, paid once for all in the FastCGI pool.',
  );
}

export async function solveLatency(ctx: SolveContext): Promise<string> {
  const cgi = await ctx.run(latencyCommands[0]!);
  const fastcgi = await ctx.run(latencyCommands[1]!);
  return (Number.parseFloat(cgi.stdout) - Number.parseFloat(fastcgi.stdout)).toFixed(1);
}
