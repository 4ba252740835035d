// The cost of a process per request, measured: the same answer from a new process (hello.sh)
// and from the server itself (/resident). The lab times every request on its side; the learner
// times them with curl. The two differences agree within a range, whatever the machine.
import { fail, pass } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult, SolveContext } from '../../src/engine/types.js';
import { cgiRequests } from './cgi-requests.js';

const RUNS = 20;
const timing = (path: string) =>
  `for i in $(seq ${RUNS}); do curl -s -o /dev/null -w '%{time_total}\\n' {{cgi.url}}${path}; done | awk '{ t += $1 } END { printf "%.2f ms per request\\n", t / NR * 1000 }'`;

export const costCommands = [timing('/cgi-bin/hello.sh'), timing('/resident')];

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function spread(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}

export async function checkCost(ctx: CheckContext): Promise<CheckResult> {
  const requests = cgiRequests(ctx).filter((r) => r.status === 200 && typeof r.durationMs === 'number');
  // The last RUNS of each: the requests the learner's two loops just timed.
  const cgi = requests
    .filter((r) => r.script === 'hello.sh')
    .map((r) => r.durationMs!)
    .slice(-RUNS);
  const resident = requests
    .filter((r) => r.response === 'resident')
    .map((r) => r.durationMs!)
    .slice(-RUNS);
  if (cgi.length < RUNS / 2 || resident.length < RUNS / 2) {
    return fail({
      message: `The lab has timed ${cgi.length} hello.sh and ${resident.length} /resident requests in this step.`,
      saw: `${cgi.length} and ${resident.length}`,
      expected: `at least ${RUNS / 2} of each (run both commands)`,
    });
  }
  const perProcess = mean(cgi) - mean(resident);
  // curl's clock and the lab's see the same requests, but a busy machine stretches some of them:
  // the wider the requests' times spread, the further the learner's averages may honestly be
  // from the lab's (on a quiet machine the spread is a fraction of a millisecond).
  const slack = spread(cgi) + spread(resident);
  const low = Math.min(perProcess / 3, perProcess * 3) - 1 - slack;
  const high = Math.max(perProcess / 3, perProcess * 3) + 3 + slack;
  const given = Number(/-?\d+(?:[.,]\d+)?/.exec(ctx.answer ?? '')?.[0]?.replace(',', '.'));
  const measured = `the lab measured ${mean(cgi).toFixed(2)} ms per hello.sh request and ${mean(resident).toFixed(2)} ms per /resident request`;
  if (!Number.isFinite(given) || given < low || given > high) {
    return fail({
      message: Number.isFinite(given) ? 'That is not what a process costs here.' : 'Your answer has no number in it.',
      saw: ctx.answer || 'no answer',
      expected: `the difference of the two averages, in milliseconds: ${measured}, so between ${low.toFixed(1)} and ${high.toFixed(1)} ms`,
    });
  }
  const perSecond = Math.floor(1000 / Math.max(perProcess, 0.1));
  return pass(
    `Right: about ${perProcess.toFixed(1)} ms per request goes into starting and ending a process (${measured}). ` +
      `If all of that were work for the processor, one core would be full at about ${perSecond} requests a second, before any script does any work.`,
  );
}

export async function solveCost(ctx: SolveContext): Promise<string> {
  const cgi = await ctx.run(costCommands[0]!);
  const resident = await ctx.run(costCommands[1]!);
  return (Number.parseFloat(cgi.stdout) - Number.parseFloat(resident.stdout)).toFixed(2);
}
