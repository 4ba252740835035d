// The events a lab server writes on fd 3, declared once. A server family (the reverse proxy, the
// WSGI server…) lists its events in its own `events.ts` with the small builders below; from that
// one declaration come both the TypeScript type (servers are type-checked against it, lessons read
// typed fields) and the check the tutor runs on every line that arrives, so a misspelt or missing
// field is caught by `npm run typecheck`, and a malformed event at run time is logged and dropped
// instead of reaching a check.
//
// This file is read by the tutor only; servers import nothing from it at run time.

/** A shape that can check a value and carries the type of the values it accepts. */
export interface Schema<T> {
  /** Undefined when `value` fits, else what is wrong with it ("status: expected a number"). */
  readonly problem: (value: unknown) => string | undefined;
  /** The same question answered yes or no, without the words: true exactly when `problem(value)`
   * is undefined. Every event line the tutor reads is asked this (a busy lab writes thousands a
   * second, on the cores the learner's load test needs); only a line that does not fit is walked
   * again by `problem` for the message. Builds no arrays or strings on the way. */
  readonly ok: (value: unknown) => boolean;
  /** Type-only: lets `Infer<typeof schema>` find T. Never set. */
  readonly _type?: T;
  /** Set by `optional()`: the field may be left out. */
  readonly optional?: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(problem: (value: unknown) => string | undefined, ok: (value: unknown) => boolean): Schema<T> {
  return { problem, ok };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown) => typeof v === 'boolean';
const always = () => true;

export const string: Schema<string> = schema(
  (v) => (isString(v) ? undefined : `expected a string, got ${describe(v)}`),
  isString,
);
export const number: Schema<number> = schema(
  (v) => (isNumber(v) ? undefined : `expected a number, got ${describe(v)}`),
  isNumber,
);
export const boolean: Schema<boolean> = schema(
  (v) => (isBoolean(v) ? undefined : `expected true or false, got ${describe(v)}`),
  isBoolean,
);
/** Anything JSON can carry (a WSGI environ dump, a parsed body): the check reads it with care. */
export const json: Schema<unknown> = schema(() => undefined, always);

/** One of a few fixed values: `literal('HIT', 'MISS')`. */
export function literal<const L extends string | number | boolean>(...values: L[]): Schema<L> {
  const ok = (v: unknown) => values.includes(v as L);
  return schema(
    (v) => (ok(v) ? undefined : `expected ${values.map((x) => JSON.stringify(x)).join(' or ')}, got ${describe(v)}`),
    ok,
  );
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  const innerOk = inner.ok;
  return schema(
    (v) => (v === null ? undefined : inner.problem(v)),
    (v) => v === null || innerOk(v),
  );
}

/** A field that may be absent (but when present, fits `inner`). */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { optional: true } {
  const innerOk = inner.ok;
  return {
    problem: (v) => (v === undefined ? undefined : inner.problem(v)),
    ok: (v) => v === undefined || innerOk(v),
    optional: true,
  };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  const itemOk = item.ok;
  return schema(
    (v) => {
      if (!Array.isArray(v)) return `expected an array, got ${describe(v)}`;
      for (let i = 0; i < v.length; i++) {
        const problem = item.problem(v[i]);
        if (problem) return `[${i}]: ${problem}`;
      }
      return undefined;
    },
    (v) => {
      if (!Array.isArray(v)) return false;
      for (let i = 0; i < v.length; i++) if (!itemOk(v[i])) return false;
      return true;
    },
  );
}

/** An object whose values all fit `value` (a map of names to counts, say). */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  const valueOk = value.ok;
  return schema(
    (v) => {
      if (!isObject(v)) return `expected an object, got ${describe(v)}`;
      for (const [key, item] of Object.entries(v)) {
        const problem = value.problem(item);
        if (problem) return `${key}: ${problem}`;
      }
      return undefined;
    },
    // record(json), a WSGI environ of 20–40 keys on every request: only its being an object counts.
    valueOk === always
      ? isObject
      : (v) => {
          if (!isObject(v)) return false;
          for (const key of Object.keys(v)) if (!valueOk(v[key])) return false;
          return true;
        },
  );
}

const isHeaderPair = (pair: unknown) =>
  Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string';

/** `[name, value]` pairs in wire order and case: how every event carries headers. */
export const headerPairs: Schema<[string, string][]> = schema(
  (v) => {
    if (!Array.isArray(v)) return `expected [[name, value], …], got ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const pair = v[i];
      if (!isHeaderPair(pair)) return `[${i}]: expected [name, value] strings, got ${describe(pair)}`;
    }
    return undefined;
  },
  (v) => {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!isHeaderPair(v[i])) return false;
    return true;
  },
);

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The object type a set of fields describes; optional fields become `field?:`. */
export type ObjectOf<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

/** An object with these fields (others are allowed and ignored). */
export function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> & { fields: F } {
  // Listed once here, not on every call: a request event has 15–25 fields.
  const entries = Object.entries(fields);
  const keys = entries.map(([key]) => key);
  const oks = entries.map(([, field]) => field.ok);
  return {
    fields,
    problem: (v) => {
      if (!isObject(v)) return `expected an object, got ${describe(v)}`;
      for (const [key, field] of entries) {
        const problem = field.problem(v[key]);
        if (problem) return `${key}: ${problem}`;
      }
      return undefined;
    },
    ok: (v) => {
      if (!isObject(v)) return false;
      for (let i = 0; i < keys.length; i++) if (!oks[i]!(v[keys[i]!])) return false;
      return true;
    },
  };
}

/** What every `request` event carries (docs/lab-servers.md); a family adds its own fields. */
export const requestFields = {
  conn: optional(number),
  remote: optional(string),
  method: string,
  target: string,
  httpVersion: optional(string),
  headers: headerPairs,
  status: nullable(number),
  responseHeaders: optional(headerPairs),
  durationMs: optional(number),
  aborted: optional(boolean),
  error: optional(string),
  /** A request the lab made by itself (a proxy's health check), not the learner's doing. */
  healthCheck: optional(boolean),
};

/** One event of a family: `event('health', { backend: string, state: literal('up', 'down') })`. */
export function event<const N extends string, F extends Fields>(name: N, fields: F) {
  return { name, schema: object(fields) };
}

/** The `request` event of a family: the common fields plus the family's own. */
export function requestEvent<F extends Fields>(fields: F) {
  return event('request', { ...requestFields, ...fields });
}

type EventDecl = { name: string; schema: Schema<unknown> };
/** The events one server family writes, by name. */
export type Family = Record<string, EventDecl>;

/** Declare a family's events: `family(requestEvent({ backend: optional(string) }), event('health', …))`. */
export function family<const D extends readonly EventDecl[]>(...decls: D): { [E in D[number] as E['name']]: E } {
  return Object.fromEntries(decls.map((d) => [d.name, d])) as { [E in D[number] as E['name']]: E };
}

/** The union of a family's events as servers write them: `{ event: 'health', backend, state }`. */
export type EventOf<F extends Family> = {
  [N in keyof F & string]: Simplify<{ event: N } & Infer<F[N]['schema']>>;
}[keyof F & string];

/** Undefined when `value` is one of the family's events (or `ready`), else the problem in words. */
export function eventProblem(family: Family, value: unknown): string | undefined {
  if (!isObject(value)) return `not an event: ${describe(value)}`;
  const name = value.event;
  if (typeof name !== 'string') return 'no "event" field';
  if (name === 'ready') return undefined;
  // Own names only: "toString" or "constructor" is no event of any family.
  const decl = Object.hasOwn(family, name) ? family[name] : undefined;
  if (!decl) return `unknown event "${name}" (this server declares: ${Object.keys(family).join(', ') || 'none'})`;
  // The fast yes first; the words only for a line that is about to be dropped.
  if (decl.schema.ok(value)) return undefined;
  const problem = decl.schema.problem(value);
  return problem ? `"${name}" event: ${problem}` : undefined;
}

/** For a program that writes no events of its own (nginx as a peer): every fd-3 line is dropped. */
export const noEvents = family();
