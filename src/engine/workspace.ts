// The learner's workspace: ~/gateway-tutor by default, one folder per lesson for the files they
// edit, progress.json, and the records of running labs. Starter files are copied on first use and
// never overwritten, except by `reset`.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadedLesson } from './types.js';

export function resolveWorkspace(flag?: string): string {
  return resolve(flag ?? process.env.GATEWAY_TUTOR_WORKSPACE ?? join(homedir(), 'gateway-tutor'));
}

export function lessonWorkspace(workspace: string, lessonId: string): string {
  return join(workspace, lessonId);
}

/** Copy the lesson's starter/ files into its workspace folder, leaving any file already there. */
export async function ensureStarter(lesson: LoadedLesson, workspace: string): Promise<string> {
  const target = lessonWorkspace(workspace, lesson.id);
  await mkdir(target, { recursive: true });
  const starter = join(lesson.dir, 'starter');
  if (existsSync(starter)) await cp(starter, target, { recursive: true, force: false, errorOnExist: false });
  return target;
}

/** Put the starter files back as they were (after the learner said yes to `reset`). */
export async function restoreStarter(lesson: LoadedLesson, workspace: string): Promise<void> {
  const target = lessonWorkspace(workspace, lesson.id);
  if (existsSync(target)) {
    for (const entry of await readdir(target)) await rm(join(target, entry), { recursive: true, force: true });
  }
  await ensureStarter(lesson, workspace);
}
