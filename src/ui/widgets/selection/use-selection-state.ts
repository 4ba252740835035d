// Which item of a list is selected, kept inside the list as it grows or shrinks.
import { useCallback, useReducer } from 'react';

export type SelectionAction = { type: 'move'; by: number } | { type: 'set'; index: number } | { type: 'last' };

export function selectionReducer(count: number) {
  return (index: number, action: SelectionAction): number => {
    if (count === 0) return 0;
    const clamp = (i: number) => Math.min(count - 1, Math.max(0, i));
    switch (action.type) {
      case 'move':
        return clamp(clamp(index) + action.by);
      case 'set':
        return clamp(action.index);
      case 'last':
        return count - 1;
    }
  };
}

export function useSelectionState(count: number, initial = 0) {
  const [raw, dispatchRaw] = useReducer(
    (state: { index: number }, action: SelectionAction & { count: number }) => ({
      index: selectionReducer(action.count)(state.index, action),
    }),
    { index: initial },
  );
  const dispatch = useCallback((action: SelectionAction) => dispatchRaw({ ...action, count }), [count]);
  const index = count === 0 ? 0 : Math.min(count - 1, Math.max(0, raw.index));
  /** The index as last set, before it is kept inside the list: a list that lets its first items
   * go moves it by as many first (lesson-view.tsx). */
  return { index, raw: raw.index, dispatch };
}
