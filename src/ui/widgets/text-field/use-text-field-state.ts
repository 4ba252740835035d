// The state of a one-line text field: its value and where the cursor is. Pure, so it can be
// tested without Ink.
import { useCallback, useReducer, useRef } from 'react';

export interface TextFieldState {
  value: string;
  cursor: number;
}

export type TextFieldAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'move'; by: number }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'clear' };

export function textFieldReducer(state: TextFieldState, action: TextFieldAction): TextFieldState {
  const { value, cursor } = state;
  switch (action.type) {
    case 'insert': {
      const text = action.text.replace(/[\r\n]/g, '');
      return { value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length };
    }
    case 'backspace':
      return cursor === 0 ? state : { value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1 };
    case 'delete':
      return { value: value.slice(0, cursor) + value.slice(cursor + 1), cursor };
    case 'move':
      return { value, cursor: Math.min(value.length, Math.max(0, cursor + action.by)) };
    case 'home':
      return { value, cursor: 0 };
    case 'end':
      return { value, cursor: value.length };
    case 'clear':
      return { value: '', cursor: 0 };
  }
}

/** The field's state for rendering, and `current()`: the state after every action dispatched so
 * far, even those React has not rendered yet — a key and Enter read in the same instant must
 * submit what was typed, not the value of the last frame. */
export function useTextFieldState(initial = '') {
  const [state, dispatchRaw] = useReducer(textFieldReducer, { value: initial, cursor: initial.length });
  const latest = useRef(state);
  const dispatch = useCallback((action: TextFieldAction) => {
    latest.current = textFieldReducer(latest.current, action);
    dispatchRaw(action);
  }, []);
  const current = useCallback(() => latest.current, []);
  return { ...state, dispatch, current };
}
