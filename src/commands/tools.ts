// ws and bench are small clients the later lessons ship. Until a lesson brings one, say so.
import { usageError } from '../engine/errors.js';
import type { CliValues } from '../cli.js';

const COMES_WITH: Record<string, string> = { ws: 'asgi', bench: 'sync-vs-async' };

export async function tool(name: string, _values: CliValues, _args: string[]): Promise<number> {
  throw usageError(
    `The ${name} tool is not in this version yet; it arrives with the ${COMES_WITH[name]} lesson.`,
    'Run gateway-tutor list to see the lessons you can take now.',
  );
}
