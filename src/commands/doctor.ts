// `gateway-tutor doctor`: what this machine has, what it lacks, and what would get in the way
// (a busy port, a proxy variable that sends curl's requests for 127.0.0.1 somewhere else).
import { isPortFree } from '../engine/ports.js';
import { checkRequirement, lessonAvailability, REQUIREMENT_IDS, startProbes } from '../engine/requirements.js';
import type { CliValues } from '../cli.js';
import { listedLessons } from './lesson-cards.js';
import { paint, printJson } from './output.js';

export async function doctor(values: CliValues, _args: string[]): Promise<number> {
  // Doctor looks again rather than trust what an earlier run found (and refreshes it); the probes
  // answer while the lessons load (cli.ts started them already).
  startProbes('doctor');
  const lessons = await listedLessons(values);
  // The ports are tried while the probes run (Python takes longest), not after them.
  const [tools, ports, availability] = await Promise.all([
    Promise.all(REQUIREMENT_IDS.map(checkRequirement)),
    Promise.all(
      lessons.flatMap((lesson) =>
        lesson.servers.flatMap((server) =>
          [server.port, ...Object.values(server.extraPorts ?? {})].map(async (port) => ({
            lesson: lesson.id,
            server: server.name,
            port,
            free: await isPortFree(port),
          })),
        ),
      ),
    ),
    Promise.all(lessons.map(async (lesson) => ({ id: lesson.id, ...(await lessonAvailability(lesson)) }))),
  ]);
  const proxy = proxyTrouble(process.env);
  if (values.json) {
    printJson({ node: process.version, tools, ports, lessons: availability, proxy });
    return 0;
  }
  const ok = (good: boolean) => (good ? paint.green('✔') : paint.yellow('✘'));
  process.stdout.write(`${ok(true)} node ${process.version}\n`);
  for (const tool of tools)
    process.stdout.write(`${ok(tool.ok)} ${tool.id.padEnd(9)} ${tool.ok ? tool.detail : paint.yellow(tool.detail)}\n`);
  const busy = ports.filter((p) => !p.free);
  process.stdout.write(
    busy.length === 0
      ? `${ok(true)} every preferred lab port is free\n`
      : `${paint.yellow('!')} busy ports (the lab will pick free ones and show them): ${busy.map((p) => `${p.port} (${p.lesson} ${p.server})`).join(', ')}\n`,
  );
  for (const line of proxy) process.stdout.write(`${paint.yellow('!')} ${line}\n`);
  process.stdout.write('\nLessons:\n');
  for (const lesson of availability) {
    process.stdout.write(
      `  ${ok(lesson.available)} ${lesson.id.padEnd(16)} ${lesson.available ? 'ready' : paint.yellow(lesson.missing.map((m) => m.why).join('; '))}\n`,
    );
  }
  return 0;
}

/** Proxy variables that would route curl's requests for the lab through another proxy. */
export function proxyTrouble(env: NodeJS.ProcessEnv): string[] {
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '').split(',').map((s) => s.trim());
  const bypassed = noProxy.some(
    (entry) => entry === '*' || entry === '127.0.0.1' || entry === 'localhost' || entry.startsWith('127.'),
  );
  const set = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'].filter(
    (name) => env[name],
  );
  if (set.length === 0 || bypassed) return [];
  return [
    `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set and no_proxy does not name 127.0.0.1: curl would send the lab's requests to that proxy.`,
    `Fix: export no_proxy=127.0.0.1,localhost (the forward-proxy lesson sets its own proxy per command).`,
  ];
}
