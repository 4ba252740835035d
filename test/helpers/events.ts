// A test's typed view of a lab's events: give it the families of the servers it reads, and each
// event comes back with its family's fields, as a lesson's check gets them.
//   const seen = typedEvents(lab, { app: fastcgiAppEvents });
//   seen.eventsOf('app', 'worker').find((e) => e.pid === pid);
import type { Families, LabEvent, LabEventOf } from '../../src/engine/types.js';
import type { EventOf } from '../../src/servers/lib/event-schema.js';

export function typedEvents<M extends Families>(lab: { events(): readonly LabEvent[] }, _families: M) {
  // The lab let in only events that fit each server's declared family, so the casts hold.
  return {
    requests: <N extends keyof M & string>(server: N) =>
      lab.events().filter((e) => e.server === server && e.event === 'request') as LabEventOf<M[N], 'request'>[],
    eventsOf: <N extends keyof M & string, E extends EventOf<M[N]>['event']>(server: N, event: E) =>
      lab.events().filter((e) => e.server === server && e.event === event) as LabEventOf<M[N], E>[],
  };
}
