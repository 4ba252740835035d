// Header pairs the lab keeps, shared between the events that carry the same one.
//
// The lab keeps its newest events for checks (thousands), and under a load test nearly every one
// of them outlives V8's young generation: each is copied out of it and again into the old one, and
// those copies were most of the tutor's time per event (bench-events.mjs). Most of an event is its
// header pairs, and most pairs are the same from one request to the next (`Host`, `Accept`, the
// proxy's `Via`…). So a pair seen before is kept once and every event that carries it points to
// that one (frozen, so no reader can change it for the others); the fresh copy JSON.parse made is
// dropped while it is still young, which costs nothing. An event reads exactly as before.

type Pair = readonly [string, string];

/** name → value → the pair kept. */
const kept = new Map<string, Map<string, Pair>>();
let count = 0;
/** Pairs that are never the same twice (an X-Request-Id, a Date) would fill the table: once it
 * holds this many, it starts afresh (the events keep the pairs they point to). */
const MAX_PAIRS = 4096;

/** Puts the shared pair in place of each [name, value] of `list` seen before (in place). */
export function sharePairs(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const pair: unknown = list[i];
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const [name, value] = pair as unknown[];
    if (typeof name !== 'string' || typeof value !== 'string') continue;
    if (count >= MAX_PAIRS) forget();
    let values = kept.get(name);
    if (values === undefined) {
      values = new Map();
      kept.set(name, values);
    }
    const seen = values.get(value);
    if (seen !== undefined) list[i] = seen;
    else {
      values.set(value, Object.freeze(pair) as Pair);
      count++;
    }
  }
}

function forget(): void {
  kept.clear();
  count = 0;
}
