// The journey view's state: which hop is lit, whether long sections are unfolded, and how far the
// view is scrolled. Opening a request's journey starts at the first hop, folded, at the top.
import { useMemo, useState } from 'react';
import type { Journey } from '../../engine/journey.js';
import { requestJourney } from '../../engine/request-journey.js';
import type { SessionSnapshot } from '../../engine/session.js';
import type { RequestEvent } from '../../engine/types.js';
import { journeyLines, type JourneyLine } from '../journey-lines.js';
import type { Scroller } from './use-lesson-keys.js';

interface JourneyViewState {
  hop: number;
  unfolded: boolean;
  scroll: number;
}

/** What the keys do in the journey view. */
export interface JourneyKeys {
  /** A request's journey was just opened. */
  reset(): void;
  /** Light the next (1) or previous (-1) hop. */
  hop(by: 1 | -1): void;
  /** Fold or unfold the long sections. */
  fold(): void;
  scroll: Scroller;
}

const START: JourneyViewState = { hop: 0, unfolded: false, scroll: 0 };

export interface JourneyView {
  /** The chosen request's journey, while the view is open. */
  journey?: Journey;
  lines: JourneyLine[];
  scroll: number;
  keys: JourneyKeys;
}

/** The journey of `request` (when the view is open) as lines `width` wide that scroll in `window` rows. */
export function useJourneyView(
  snapshot: SessionSnapshot,
  request: RequestEvent | undefined,
  width: number,
  window: number,
): JourneyView {
  const [state, setState] = useState(START);
  const { traces, requests, servers } = snapshot;
  const journey = useMemo(
    () => (request ? requestJourney([...traces, ...requests], request, servers) : undefined),
    [request, traces, requests, servers],
  );
  const lines = useMemo(
    () => (journey ? journeyLines(journey, { selected: state.hop, unfolded: state.unfolded, width }) : []),
    [journey, state.hop, state.unfolded, width],
  );
  const hops = journey?.hops.length ?? 0;
  const max = Math.max(0, lines.length - window + 1);
  const to = (scroll: number) => setState((s) => ({ ...s, scroll: Math.max(0, Math.min(scroll, max)) }));
  const keys: JourneyKeys = {
    reset: () => setState(START),
    hop: (by) => setState((s) => ({ ...s, hop: Math.max(0, Math.min(hops - 1, s.hop + by)) })),
    fold: () => setState((s) => ({ ...s, unfolded: !s.unfolded })),
    scroll: {
      by: (by) => setState((s) => ({ ...s, scroll: Math.max(0, Math.min(s.scroll + by, max)) })),
      halfPage: (direction) =>
        setState((s) => ({
          ...s,
          scroll: Math.max(0, Math.min(s.scroll + direction * Math.max(1, Math.floor(window / 2)), max)),
        })),
      to: (end) => to(end === 'top' ? 0 : max),
      side: () => {},
    },
  };
  return { journey, lines, scroll: Math.min(state.scroll, max), keys };
}
