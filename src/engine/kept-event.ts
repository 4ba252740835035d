// How the lab keeps a server's event: as the fd-3 line it came in as, made into the event object
// only when someone reads it (lab.ts). Under `lab --json` nobody does: the line is printed and
// kept, and the object JSON.parse made of it to check it dies young. Keeping every event as an
// object had cost the tutor more than parsing it: each of the 5000 kept events, a proxied
// request's about a hundred small objects (header pairs, the carried trace), was copied by every
// young-generation collection it lived through (about a third of the tutor's time per event).
// The TUI reads every event as it comes: the object already made is then the one kept.
import { object } from '../servers/lib/event-schema.js';
import { traceEvent } from '../servers/lib/trace-events.js';
import type { LabEvent, RequestEvent } from './types.js';

/** A parsed fd-3 line, or a carried trace event being filed. */
export type RawEvent = { event: string } & Record<string, unknown>;

/** The lab's own fields on an event (the line has none of them). */
export function fileAs(event: RawEvent, server: string, seq: number, time: number, number?: number): LabEvent {
  const filed = event as unknown as LabEvent;
  filed.server = server;
  filed.seq = seq;
  filed.time = time;
  if (number !== undefined) (filed as RequestEvent).number = number;
  return filed;
}

/** A request event's carried trace events, as they stand in its `trace` field (one or a list). */
export function carriedPhases(carried: unknown): unknown[] {
  return Array.isArray(carried) ? carried : [carried];
}

/** One carried trace event as the trace event it stands for: the tutor's `event` and `requestId`
 * first, as a trace line has them, and again after the phase's own. */
export function carriedEvent(requestId: unknown, phase: unknown): RawEvent {
  const traced: RawEvent = { event: 'trace', requestId };
  return Object.assign(traced, typeof phase === 'object' ? phase : { phase }, { event: 'trace', requestId });
}

/** The JSON of an event from the line it came in as: that line (it parsed, and fitted the
 * server's family; the lab keeps no line that has a `server`, `seq`, `time` or `number` of its
 * own) with the lab's `server`, `seq`, `time` (and a request's `number`) after its own fields,
 * which is what JSON.stringify of the event says, without writing all of it again (that was a
 * third of the tutor's time per event). */
export function asReceived(line: string, event: LabEvent): string {
  const end = line.lastIndexOf('}');
  if (end < 0) return JSON.stringify(event);
  const number = (event as RequestEvent).number;
  const added = `"server":${JSON.stringify(event.server)},"seq":${event.seq},"time":${event.time}`;
  return `${line.slice(0, end)},${added}${number === undefined ? '' : `,"number":${number}`}}`;
}

// A trace event of the shared declaration (lib/trace-events.ts) without its requestId: what each
// carried item must be for the trace event it stands for to fit.
const { requestId: _requestId, ...phaseFields } = traceEvent.schema.fields;
const phaseSchema = object(phaseFields);

/** True when `phase`, filed under `requestId`, is sure to be a trace event that fits `decl` (the
 * family's `trace`), and JSON.stringify of it is the phase's own JSON between the tutor's fields
 * (traceJson): the shared declaration, a string id, a fitting object whose keys are none of the
 * tutor's and no index (an index-like key would come first in the filed event). Anything else is
 * built and checked in full. */
export function plainPhase(decl: unknown, requestId: unknown, phase: unknown): phase is Record<string, unknown> {
  if (decl !== traceEvent || typeof requestId !== 'string' || !phaseSchema.ok(phase)) return false;
  for (const key in phase as object) {
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) return false;
    if (key === 'event' || key === 'requestId' || key === 'server' || key === 'seq' || key === 'time') return false;
    if (key === '__proto__') return false;
  }
  return true;
}

/** JSON.stringify of the trace event a plain phase stands for, filed (see plainPhase). */
function traceJson(requestId: string, phase: Record<string, unknown>, kept: KeptEvent): string {
  return `{"event":"trace","requestId":${JSON.stringify(requestId)},${JSON.stringify(phase).slice(1, -1)},"server":${JSON.stringify(kept.server)},"seq":${kept.seq},"time":${kept.time}}`;
}

/**
 * An event the lab keeps as its line until it is read: the line's own event (`carried` -1) or the
 * carried-th trace event its `trace` field carries. Made into the event by the same steps the lab
 * files an event with (parse, the lab's fields; a carried one built by carriedEvent), so what
 * `value()` gives equals the event filed from the line at once. `event` and `requestId` are here
 * for cutWholeJourneys, `seq` for eventsSince.
 */
export class KeptEvent {
  /** The event object, once made (or while the lab hands it to its listeners). */
  private made: LabEvent | undefined;
  /** While the lab hands a carried event to its listeners: the item it stands for. */
  private phase: Record<string, unknown> | undefined;
  /** A listener asked for the object while the lab handed it out: the lab keeps the object. */
  claimed = false;

  constructor(
    readonly event: string,
    readonly requestId: unknown,
    readonly server: string,
    readonly seq: number,
    readonly time: number,
    readonly number: number | undefined,
    /** The fd-3 line it came in as (its own, or the request event's that carried it). */
    readonly line: string,
    readonly carried: number,
  ) {}

  /** The line's own event, already made (the lab parsed the line to check it). */
  static own(event: LabEvent, line: string): KeptEvent {
    const kept = new KeptEvent(
      event.event,
      (event as { requestId?: unknown }).requestId,
      event.server,
      event.seq,
      event.time,
      (event as RequestEvent).number,
      line,
      -1,
    );
    kept.made = event;
    return kept;
  }

  /** A plain phase (plainPhase) carried by the request event of `line`, the carried-th. */
  static carried(
    requestId: string,
    phase: Record<string, unknown>,
    server: string,
    seq: number,
    time: number,
    line: string,
    carried: number,
  ): KeptEvent {
    const kept = new KeptEvent('trace', requestId, server, seq, time, undefined, line, carried);
    kept.phase = phase;
    return kept;
  }

  /** The event object: made now from the line when it is not yet. */
  value(): LabEvent {
    if (this.made) return this.made;
    if (this.phase) {
      this.made = fileAs(carriedEvent(this.requestId, this.phase), this.server, this.seq, this.time);
      return this.made;
    }
    const parsed = JSON.parse(this.line) as RawEvent;
    if (this.carried < 0) {
      this.made = fileAs(parsed, this.server, this.seq, this.time, this.number);
      if (parsed.event === 'request' && parsed.trace !== undefined) parsed.trace = undefined;
    } else {
      const phase = carriedPhases(parsed.trace)[this.carried];
      this.made = fileAs(carriedEvent(parsed.requestId, phase), this.server, this.seq, this.time);
    }
    return this.made;
  }

  /** The event's JSON, as JSON.stringify of value() says it (for a request, with the `trace` its
   * line carries, as `lab --json` has always printed it). */
  json(): string {
    if (this.carried < 0) return asReceived(this.line, this as unknown as LabEvent);
    if (this.phase && !this.made) return traceJson(this.requestId as string, this.phase, this);
    return JSON.stringify(this.value());
  }

  /** After the listeners: the object stays only when one of them asked for it. */
  settle(): LabEvent | undefined {
    this.phase = undefined;
    if (this.claimed) return this.made;
    this.made = undefined;
    return undefined;
  }
}

/** The change the lab's listeners get for an event: the object and its JSON, each made when read. */
export class EventChange {
  readonly type = 'event';
  constructor(private readonly kept: KeptEvent | LabEvent) {}

  get event(): LabEvent {
    const kept = this.kept;
    if (!(kept instanceof KeptEvent)) return kept;
    kept.claimed = true;
    return kept.value();
  }

  get json(): string {
    const kept = this.kept;
    return kept instanceof KeptEvent ? kept.json() : JSON.stringify(kept);
  }
}
