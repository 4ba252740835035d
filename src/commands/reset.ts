// `gateway-tutor reset [LESSON]`: forget progress and put the starter files back, after asking.
import { createInterface } from 'node:readline/promises';
import { usageError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { lessonWorkspace, resolveWorkspace, restoreStarter } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { catalogFor, lessonById } from './output.js';

export async function reset(values: CliValues, args: string[]): Promise<number> {
  const catalog = await catalogFor(values);
  const lessons = args[0] ? [lessonById(catalog, args[0], 'reset')] : catalog.lessons;
  const workspace = resolveWorkspace(values.workspace);
  const what = args[0]
    ? `your progress in ${args[0]} and your files in ${lessonWorkspace(workspace, args[0])}`
    : `all your progress and every lesson's files in ${workspace}`;
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw usageError(`reset would forget ${what}.`, 'Run it in a terminal to be asked, or add --yes.');
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const reply = await prompt.question(`Forget ${what}? Type yes to go on: `);
    prompt.close();
    if (reply.trim().toLowerCase() !== 'yes') {
      process.stdout.write('Nothing was changed.\n');
      return 0;
    }
  }
  const progress = await Progress.open(workspace);
  await progress.reset(args[0]);
  for (const lesson of lessons) await restoreStarter(lesson, workspace);
  process.stdout.write(`Done: ${what} are back to the start.\n`);
  return 0;
}
