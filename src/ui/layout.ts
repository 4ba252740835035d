// How the lesson screen shares its rows. The step text is what the learner came for, so it is
// guaranteed a minimum (10 lines on a 24-row terminal, 14 on 30 and up) and everything else gives
// way first: the request log shrinks to its one-line summary, the command box drops its rules,
// and then the lab panel folds to one line. Whatever is left over goes back to the rules and the
// log. Pure arithmetic, so the rules are tested without drawing anything.

export interface LayoutInput {
  /** Terminal rows. */
  rows: number;
  servers: number;
  /** Rows of the commands themselves (0: no command box). */
  commandRows: number;
  /** Rows of hints, check result, answer field and notes under the commands. */
  statusRows: number;
  /** The learner's choice for the lab panel: 'auto' folds it only when the text needs room. */
  lab: 'auto' | 'folded' | 'open';
  /** Requests in the log so far: an empty log takes one line, not its full height. @default many */
  requests?: number;
}

export interface Layout {
  textRows: number;
  /** Rows of the main area (text, commands, status). */
  mainRows: number;
  labFolded: boolean;
  /** Rows of the lab panel, its title line included. */
  labRows: number;
  /** Request lines in the log (its title line comes on top). */
  logRows: number;
  /** Whether the command box has its rules above and below. */
  commandRules: boolean;
}

/** Step text rows the layout keeps free before anything else grows: 10 lines of text at 24
 * rows and 14 at 30, plus the line that says there is more. */
export function minTextRows(rows: number): number {
  return (rows >= 30 ? 14 : rows >= 24 ? 10 : Math.max(2, rows - 15)) + 1;
}

export function layout({ rows, servers, commandRows, statusRows, lab, requests }: LayoutInput): Layout {
  // One spare row (Ink redraws the whole screen when output fills it), the title, the footer and
  // the log's own title line.
  const fixed = 1 + 1 + 1 + 1;
  const minText = minTextRows(rows);
  const logMax = Math.min(rows >= 34 ? 6 : rows >= 24 ? 4 : 2, Math.max(1, requests ?? Number.POSITIVE_INFINITY));
  const openLab = servers + 1;
  let room = rows - fixed - commandRows - statusRows;
  const labFolded = lab === 'folded' || (lab === 'auto' && room - openLab < minText && servers > 1);
  const labRows = labFolded ? 1 : openLab;
  room -= labRows;
  const commandRules = commandRows > 0 && room - 2 >= minText;
  if (commandRules) room -= 2;
  const logRows = Math.max(0, Math.min(logMax, room - minText));
  room -= logRows;
  const textRows = Math.max(3, room);
  return {
    textRows,
    mainRows: textRows + commandRows + (commandRules ? 2 : 0) + statusRows,
    labFolded,
    labRows,
    logRows,
    commandRules,
  };
}
