// The lesson map as plain text: its rows and the stack drawing, shared by the Ink views and by
// the first frame runTui prints before Ink has loaded (Ink and React take most of the start-up
// time; a learner should see the map at once). No React here.
import { LAYERS } from '../engine/layers.js';
import type { LessonDefinition } from '../engine/types.js';
import { padColumns, sliceColumns, visibleWidth } from './text-width.js';
import {
  lessonState,
  overallProgress,
  stateLabel,
  type LessonState,
  type MapEntry,
  type MapProgress,
} from './lesson-states.js';

export const TITLE = 'gateway-tutor';
export const TAGLINE = '· how a web request reaches Python code';
export const MAP_KEYS: [string, string][] = [
  ['↑/↓', 'choose'],
  ['Enter', 'open'],
  ['?', 'help'],
  ['q', 'quit'],
];
export const SYMBOL: Record<LessonState, string> = { passed: '✓', started: '◐', new: '·', unavailable: '✗' };

/** Width the horizontal drawing needs; narrower terminals get the one-line form. */
export const DIAGRAM_WIDTH = 71;

export interface DiagramBox {
  id: string;
  /** The selected lesson lives here: drawn with double lines. */
  marked: boolean;
  /** Short name for the one-line form. */
  name: string;
  /** Four rows of box drawing. */
  rows: string[];
}

export function diagramBoxes(layer: LessonDefinition['layer']): DiagramBox[] {
  return LAYERS.map((l) => {
    const marked = layer === 'journey' || layer === l.id;
    const inner = Math.max(...l.lines.map((s) => s.length)) + 2;
    const [h, v, tl, tr, bl, br] = marked ? ['═', '║', '╔', '╗', '╚', '╝'] : ['─', '│', '┌', '┐', '└', '┘'];
    const pad = (s: string) => ` ${s}${' '.repeat(inner - 2 - s.length)} `;
    return {
      id: l.id,
      marked,
      name: l.lines[0],
      rows: [tl + h.repeat(inner) + tr, ...l.lines.map((s) => v + pad(s) + v), bl + h.repeat(inner) + br],
    };
  });
}

/** Between boxes: the arrow on the row with the names. */
export const joint = (row: number) => (row === 1 ? ' → ' : '   ');

export interface MapRow {
  state: LessonState;
  text: { pointer: string; symbol: string; order: string; title: string; label: string };
}

export function mapRows(entries: MapEntry[], progress: MapProgress, selected: number): MapRow[] {
  const titleWidth = Math.min(44, Math.max(10, ...entries.map((e) => visibleWidth(e.lesson.title))));
  return entries.map((e, i) => {
    const state = lessonState(e, progress);
    return {
      state,
      text: {
        pointer: i === selected ? '❯ ' : '  ',
        symbol: SYMBOL[state],
        order: String(e.lesson.order).padStart(2),
        title: padColumns(e.lesson.title, titleWidth),
        label: stateLabel(e, progress),
      },
    };
  });
}

/** The map's first frame, uncoloured, every line cut to fit so the terminal never wraps it. */
export function mapFrameText(entries: MapEntry[], progress: MapProgress, selected: number, columns: number): string[] {
  const lines = [`${TITLE} ${TAGLINE}`, `Your progress: ${overallProgress(entries, progress)}`, ''];
  for (const { text } of mapRows(entries, progress, selected))
    lines.push(`${text.pointer}${text.symbol} ${text.order}  ${text.title}  ${text.label}`);
  lines.push('');
  const current = entries[selected];
  if (current) {
    const boxes = diagramBoxes(current.lesson.layer);
    if (columns < DIAGRAM_WIDTH) lines.push(boxes.map((b) => b.name).join(' → '));
    else for (let r = 0; r < 4; r++) lines.push(boxes.map((b, i) => (i > 0 ? joint(r) : '') + b.rows[r]).join(''));
    lines.push(`${current.lesson.title} — ${current.lesson.summary}`);
  }
  lines.push(MAP_KEYS.map(([k, w]) => `${k} ${w}`).join(' · '));
  return lines.map((l) => (visibleWidth(l) >= columns ? `${sliceColumns(l, 0, columns - 2)}…` : l));
}
