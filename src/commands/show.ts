// `gateway-tutor show LESSON [STEP]`: a step as text, for a second terminal, a workshop handout
// or a screen reader: its title and kind, the text, the commands to run and the hints, with the
// running lab's real ports (or the lesson's preferred ports, and a note saying so).
import { findRunningLab } from '../engine/control.js';
import { fillPlaceholders } from '../engine/placeholders.js';
import { Progress } from '../engine/progress.js';
import { resolveWorkspace } from '../engine/workspace.js';
import { renderMarkdown } from '../ui/markdown.js';
import type { CliValues } from '../cli.js';
import { lessonFor, paint, printJson } from './output.js';
import { fillValuesFor, stepFor } from './steps.js';

export async function show(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'show');
  const workspace = resolveWorkspace(values.workspace);
  const progress = await Progress.open(workspace);
  const step = args[1]
    ? stepFor(lesson, args[1])
    : (lesson.steps.find((s) => !progress.isPassed(lesson.id, s.id)) ?? lesson.steps[0]!);
  const number = lesson.steps.indexOf(step) + 1;
  const record = await findRunningLab(workspace, lesson.id);
  const fill = fillValuesFor(lesson, workspace, record?.control ? record : null);
  const text = fillPlaceholders(lesson.texts[step.id] ?? '', fill, 'markdown');
  const commands = (step.commands ?? []).map((c) => fillPlaceholders(c, fill, 'command'));
  const hints = (step.hints ?? []).map((h) => fillPlaceholders(h, fill));
  const passed = progress.isPassed(lesson.id, step.id);
  if (values.json) {
    printJson({
      lesson: lesson.id,
      step: step.id,
      number,
      of: lesson.steps.length,
      title: step.title,
      kind: step.kind,
      passed,
      labRunning: Boolean(record?.control),
      text,
      commands,
      hints,
    });
    return 0;
  }
  const out: string[] = [];
  out.push(
    `${paint.bold(`${lesson.title} · step ${number}/${lesson.steps.length} · ${step.title}`)} [${step.kind}]${passed ? paint.green(' ✔ passed') : ''}`,
  );
  if (!record?.control)
    out.push(
      paint.yellow(
        `No lab is running in ${workspace}: the ports below are the lesson's preferred ones; a running lab may use others. Start it with \`${fill.tutor} lab ${lesson.id}\`.`,
      ),
    );
  out.push('');
  const width = Math.min(100, process.stdout.columns || 80);
  for (const line of await renderMarkdown(text, width, !paint.enabled)) out.push(line.text);
  if (commands.length > 0) {
    out.push('', paint.bold('Run:'));
    for (const command of commands) out.push(`  ${command}`);
  }
  if (hints.length > 0) {
    out.push('', paint.bold('Hints:'));
    for (const [i, hint] of hints.entries()) out.push(`  ${i + 1}. ${hint}`);
  }
  if (step.watch) out.push('', `Edit: ${fill.workspace}/${step.watch} (saving re-checks in the tutor)`);
  const then =
    step.kind === 'read'
      ? number < lesson.steps.length
        ? `${fill.tutor} show ${lesson.id} ${number + 1}`
        : `${fill.tutor} list`
      : step.kind === 'answer'
        ? `${fill.tutor} check ${lesson.id} ${number} --answer 'YOUR ANSWER'`
        : `${fill.tutor} check ${lesson.id} ${number}`;
  out.push('', paint.dim(`Then: ${then}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
