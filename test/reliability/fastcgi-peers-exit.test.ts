// No real peer outlives the process that started it. fastcgi-peers.ts (fcgiwrap, php-fpm),
// nginx.ts and apache.ts start their peers through peer-groups.ts, in process groups of their own
// (out of reach of the terminal's Ctrl-C); if the test process ends before stop() — vitest
// interrupted (SIGINT), a worker killed (SIGTERM), the terminal closed (SIGHUP), process.exit, an
// uncaught exception — its exit hooks kill every group.
//
// The helpers are bundled (esbuild) into a plain Node script that plays the test file: it starts
// every peer installed here, prints their group ids, and then ends one of those ways. Every
// process of every group (real pids, read from /proc) must be gone after it. A peer that fails
// to start has its group killed too (checked here, in this process).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/env.js';
import { findApache } from '../helpers/apache.js';
import { fcgiwrapPath, Peer, phpFpmPath } from '../helpers/fastcgi-peers.js';
import { which } from '../helpers/nginx.js';
import { alive, survivors, waitFor } from '../helpers/processes.js';

const HELPERS = resolve(import.meta.dirname, '../helpers');
const ENTRY = `export * from '${HELPERS}/fastcgi-peers.ts';
export { Nginx, which } from '${HELPERS}/nginx.ts';
export { Apache, findApache } from '${HELPERS}/apache.ts';
export { tempDir } from '${HELPERS}/env.ts';
`;

// Each peer with the fewest processes its group has once it has forked them all (a peer listens,
// and so counts as started, before its workers are all there): fcgiwrap -c 2 and php-fpm with two
// children, three each; nginx, a master and one worker; httpd, its parent, the cgid daemon and at
// least one child.
const PLAYER = `import { chmodSync } from 'node:fs';
import { Apache, fcgiwrapPath, findApache, Nginx, phpFpmPath, startFcgiwrap, startPhpFpm, tempDir, which } from './peers.mjs';
const peers = [];
if (fcgiwrapPath) peers.push({ peer: await startFcgiwrap(), least: 3 });
if (phpFpmPath) peers.push({ peer: await startPhpFpm(), least: 3 });
const nginx = which('nginx');
if (nginx) {
  const locations = 'location / { return 200 "up"; }';
  peers.push({ peer: await Nginx.start(nginx, { upstream: 'server 127.0.0.1:9;', locations }), least: 2 });
}
const apache = findApache();
if (apache) {
  const site = tempDir('exit-apache-site');
  chmodSync(site, 0o755);
  peers.push({ peer: await Apache.start(apache, { cgiBin: site, documentRoot: site }), least: 3 });
}
process.stdout.write(JSON.stringify(peers.map(({ peer, least }) => ({ group: peer.pid, least }))) + '\\n');
// The test has counted every process of the peers when it writes a line: then this ends.
process.stdin.once('data', () => {
  const how = process.argv[2];
  if (how === 'exit') process.exit(3);
  if (how === 'throw') throw new Error('the test file broke');
  // else: wait for the test's signal (stdin keeps this process running)
});
`;

/** Every process whose process group is one of `groups`, from /proc. */
function members(groups: number[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (groups.includes(pgrp)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The first line the player prints: its peers' group ids, and how many processes each will have. */
function groupsOf(child: ChildProcess): Promise<{ group: number; least: number }[]> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) done(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.once('exit', () => fail(new Error(`the player ended before its peers were up: ${err}`)));
  });
}

const anyPeer = fcgiwrapPath || phpFpmPath || which('nginx') || findApache();

describe.skipIf(!anyPeer)('real peers (fcgiwrap, php-fpm, nginx, httpd) end with the process that started them', () => {
  let player: string;

  beforeAll(async () => {
    const dir = tempDir('fcgi-peers-exit');
    writeFileSync(join(dir, 'entry.ts'), ENTRY);
    await build({
      entryPoints: [join(dir, 'entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(dir, 'peers.mjs'),
      logLevel: 'silent',
    });
    player = join(dir, 'player.mjs');
    writeFileSync(player, PLAYER);
  });

  it.each([
    ['SIGTERM', { signal: 'SIGTERM' }],
    ['SIGINT', { signal: 'SIGINT' }],
    ['SIGHUP', { signal: 'SIGHUP' }],
    ['exit', { code: 3 }],
    ['throw', { code: 1 }],
  ] as const)('%s: every process of every peer is gone', async (how, ending) => {
    const child = spawn(process.execPath, [player, how], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    const peers = await groupsOf(child);
    const groups = peers.map(({ group }) => group);
    try {
      const pids = await waitFor(() => {
        const each = peers.map(({ group }) => members([group]));
        return peers.every(({ least }, i) => (each[i]?.length ?? 0) >= least) ? each.flat() : null;
      }, "every peer's workers");
      expect(pids.length).toBeGreaterThanOrEqual(peers.reduce((sum, { least }) => sum + least, 0));
      if ('signal' in ending) child.kill(ending.signal);
      else child.stdin!.write('go\n');
      // It ends as it would have without the hooks: by that signal, or with its exit code.
      expect(await ended).toEqual(
        'signal' in ending ? { code: null, signal: ending.signal } : { code: ending.code, signal: null },
      );
      expect(await survivors(pids)).toEqual([]);
    } finally {
      for (const group of groups) if (alive(group)) process.kill(-group, 'SIGKILL');
      child.kill('SIGKILL');
    }
  });

  it('a peer that exits before listening has its whole group killed (what it forked too)', async () => {
    const file = join(tempDir('fcgi-peers-fail'), 'background.pid');
    const start = Peer.start('a failing peer', '/bin/sh', () => ['-c', `sleep 300 & echo $! > ${file}; exit 3`]);
    await expect(start).rejects.toThrow(/a failing peer exited before listening/);
    const background = Number(readFileSync(file, 'utf8'));
    try {
      expect(await survivors([background])).toEqual([]);
    } finally {
      if (alive(background)) process.kill(background, 'SIGKILL');
    }
  });
});
