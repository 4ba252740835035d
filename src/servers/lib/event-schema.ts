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
  /** Type-only: lets `Infer<typeof schema>` find T. Never set. */
  readonly _type?: T;
  /** Set by `optional()`: the field may be left out. */
  readonly optional?: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function schema<T>(problem: (value: unknown) => string | undefined): Schema<T> {
  return { problem };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

export const string: Schema<string> = schema((v) =>
  typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`,
);
export const number: Schema<number> = schema((v) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a number, got ${describe(v)}`,
);
export const boolean: Schema<boolean> = schema((v) =>
  typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`,
);
/** Anything JSON can carry (a WSGI environ dump, a parsed body): the check reads it with care. */
export const json: Schema<unknown> = schema(() => undefined);

/** One of a few fixed values: `literal('HIT', 'MISS')`. */
export function literal<const L extends string | number | boolean>(...values: L[]): Schema<L> {
  return schema((v) =>
    values.includes(v as L)
      ? undefined
      : `expected ${values.map((x) => JSON.stringify(x)).join(' or ')}, got ${describe(v)}`,
  );
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema((v) => (v === null ? undefined : inner.problem(v)));
}

/** A field that may be absent (but when present, fits `inner`). */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { optional: true } {
  return { problem: (v) => (v === undefined ? undefined : inner.problem(v)), optional: true };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  return schema((v) => {
    if (!Array.isArray(v)) return `expected an array, got ${describe(v)}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item.problem(v[i]);
      if (problem) return `[${i}]: ${problem}`;
    }
    return undefined;
  });
}

/** An object whose values all fit `value` (a map of names to counts, say). */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  return schema((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `expected an object, got ${describe(v)}`;
    for (const [key, item] of Object.entries(v)) {
      const problem = value.problem(item);
      if (problem) return `${key}: ${problem}`;
    }
    return undefined;
  });
}

/** `[name, value]` pairs in wire order and case: how every event carries headers. */
export const headerPairs: Schema<[string, string][]> = schema((v) => {
  if (!Array.isArray(v)) return `expected [[name, value], …], got ${describe(v)}`;
  for (let i = 0; i < v.length; i++) {
    const pair = v[i];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      return `[${i}]: expected [name, value] strings, got ${describe(pair)}`;
    }
  }
  return undefined;
});

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The object type a set of fields describes; optional fields become `field?:`. */
export type ObjectOf<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

/** An object with these fields (others are allowed and ignored). */
export function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> & { fields: F } {
  return {
    fields,
    problem: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `expected an object, got ${describe(v)}`;
      for (const [key, field] of Object.entries(fields)) {
        const problem = field.problem((v as Record<string, unknown>)[key]);
        if (problem) return `${key}: ${problem}`;
      }
      return undefined;
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
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `not an event: ${describe(value)}`;
  const name = (value as { event?: unknown }).event;
  if (typeof name !== 'string') return 'no "event" field';
  if (name === 'ready') return undefined;
  const decl = family[name];
  if (!decl) return `unknown event "${name}" (this server declares: ${Object.keys(family).join(', ') || 'none'})`;
  const problem = decl.schema.problem(value);
  return problem ? `"${name}" event: ${problem}` : undefined;
}

/** For a program that writes no events of its own (nginx as a peer): every fd-3 line is dropped. */
export const noEvents = family();
