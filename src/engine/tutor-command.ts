// How a learner runs the tutor from a second terminal, for shown commands such as
// `{{tutor}} ctl reverse-proxy stop app-2`: the short name when it is on PATH, `npx gateway-tutor`
// when run through npx, otherwise node and the full path of this checkout's command. A workspace
// other than the default is passed along, so the command finds the running lab.
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { binPath } from './paths.js';
import { shellQuote } from './placeholders.js';

let invocation: string | undefined;

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function howToRun(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'gateway-tutor');
    if (dir && existsSync(candidate) && sameFile(candidate, binPath)) return 'gateway-tutor';
  }
  if (binPath.includes(`${join('_npx', '')}`)) return 'npx gateway-tutor';
  return `node ${shellQuote(binPath)}`;
}

export function tutorCommand(workspace: string): string {
  invocation ??= howToRun();
  const isDefault = workspace === join(homedir(), 'gateway-tutor');
  return isDefault ? invocation : `${invocation} --workspace ${shellQuote(workspace)}`;
}
