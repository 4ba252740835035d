// Placeholder until the Ink TUI lands: print the lessons and the headless commands.
import { list } from './list.js';

export interface TuiOptions {
  workspace: string;
  lessonsDir?: string;
  lessonId?: string;
  noColor: boolean;
}

export async function runTui(options: TuiOptions): Promise<number> {
  await list({ workspace: options.workspace, ...(options.lessonsDir ? { lessons: options.lessonsDir } : {}) }, []);
  process.stdout.write('\nRun a lab with `gateway-tutor lab LESSON` and check steps with `gateway-tutor check LESSON`.\n');
  return 0;
}
