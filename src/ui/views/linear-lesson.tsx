// The lesson for a screen reader: the same facts as sentences, top to bottom, with no boxes,
// columns or drawings to read out.
import { Box, Text } from 'ink';
import { stripVTControlCharacters } from 'node:util';
import type { SessionSnapshot } from '../../engine/session.js';
import type { TextLine } from '../markdown.js';
import { requestNumber } from '../request-number.js';

export interface LinearLessonProps {
  snapshot: SessionSnapshot;
  lines: TextLine[] | undefined;
  commands: string[];
  /** The step's hints, placeholders filled. */
  hints: string[];
  answer: string;
  typing: boolean;
  nextTitle?: string;
  /** The command that prints a request's journey as text. */
  traceCommand?: string;
}

export function LinearLesson({
  snapshot,
  lines,
  commands,
  hints,
  answer,
  typing,
  nextTitle,
  traceCommand,
}: LinearLessonProps) {
  const { lesson, step, index, passed, result, hintsShown, servers, requests, watchPath, complete } = snapshot;
  const last = requests.slice(-3);
  return (
    <Box flexDirection="column">
      <Text>
        {lesson.title}, step {index + 1} of {lesson.steps.length}: {step.title}, a {step.kind} step
        {passed.has(step.id) ? ', passed' : ''}.
      </Text>
      {(lines ?? []).map((l, i) => (
        <Text key={i}>
          {stripVTControlCharacters(l.text)
            .replace(/[\u2500-\u257f]/g, ' ')
            .trimEnd()}
        </Text>
      ))}
      {commands.map((c, i) => (
        <Text key={`c${i}`}>Command to run: {c}</Text>
      ))}
      {snapshot.skipped.has(step.id) ? (
        <Text>This step is skipped on this machine: {snapshot.skipped.get(step.id)}.</Text>
      ) : null}
      {watchPath ? <Text>File to edit: {watchPath}. Saving it re-checks the step.</Text> : null}
      {hints.slice(0, hintsShown).map((h, i) => (
        <Text key={`h${i}`}>
          Hint {i + 1}: {h}
        </Text>
      ))}
      {result ? (
        <Text>
          Check {result.status === 'pass' ? 'passed' : result.status === 'error' ? 'could not run' : 'not passed yet'}:{' '}
          {result.message} {result.details.join(' ')}
        </Text>
      ) : null}
      {step.kind === 'answer' ? (
        <Text>
          Answer{typing ? ', typing' : ''}: {answer}
        </Text>
      ) : null}
      {complete ? <Text>Lesson complete.{nextTitle ? ` Next lesson: ${nextTitle}.` : ''}</Text> : null}
      <Text>
        Lab: {servers.map((s) => `${s.name} at ${s.url} is ${s.state}${s.pid ? `, pid ${s.pid}` : ''}`).join('; ')}.
      </Text>
      {last.map((r, i) => (
        <Text key={r.seq}>
          Request {requestNumber(requests, requests.length - last.length + i)} seen by {r.server}: {r.method} {r.target}
          , status {r.status ?? 'none'}.
        </Text>
      ))}
      {last.length && traceCommand ? (
        <Text>
          The latest request's whole journey, hop by hop, as text: {traceCommand} (add a request's number to see
          another).
        </Text>
      ) : null}
      <Text>
        Keys: n next step, p previous, Enter check, a answer, h hint, r run a command, y copy it, o server output, v
        server source, capital S solution after the hints, m map, q quit, question mark help.
      </Text>
    </Box>
  );
}
