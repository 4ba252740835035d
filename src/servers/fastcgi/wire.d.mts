// Types for wire.mjs. The fields are declared once, in events.ts (wireRecord).
import type { WireRecord } from './events.js';
import type { FcgiRecord } from './record.mjs';

export function describeRecord(
  record: Pick<FcgiRecord, 'type' | 'requestId' | 'content'> & Partial<FcgiRecord>,
  dir: 'out' | 'in',
): WireRecord;
export function formatRecord(entry: WireRecord, options?: { pairs?: boolean }): string[];
