// Wires keys to a text field's state: typing, editing keys, Enter submits, Esc cancels.
import { useInput, useStdin } from 'ink';
import { textFieldReducer, type TextFieldAction, type TextFieldState } from './use-text-field-state.js';

export interface TextFieldInput {
  value: string;
  cursor: number;
  dispatch: (action: TextFieldAction) => void;
  /** The state after every dispatched action (useTextFieldState's `current`). @default the props */
  current?: () => TextFieldState;
  isActive: boolean;
  /** Asked at each key: whether the field takes it now (a mode switched by an earlier key in the
   * same instant, before React rendered). @default always */
  takes?: () => boolean;
  /** Called for each key the field took, before any other handler sees it. */
  onTaken?: () => void;
  onSubmit: (value: string) => void;
  onCancel?: () => void;
}

export function useTextField({
  value,
  cursor,
  dispatch,
  current = () => ({ value, cursor }),
  isActive,
  takes = () => true,
  onTaken,
  onSubmit,
  onCancel,
}: TextFieldInput): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (!takes()) return;
      onTaken?.();
      // Several keys in one read (a paste, or fast typing over a slow link) come as one string:
      // replay them one by one, so a pasted "token⏎" is typed and then submitted.
      if (input.length > 1 && /[\r\n\u0008\u0015\u007f]/.test(input))
        return replay(input, current(), dispatch, onSubmit);
      if (key.return) onSubmit(current().value);
      else if (key.escape) onCancel?.();
      else if (key.leftArrow) dispatch({ type: 'move', by: -1 });
      else if (key.rightArrow) dispatch({ type: 'move', by: 1 });
      else if (key.home || (key.ctrl && input === 'a')) dispatch({ type: 'home' });
      else if (key.end || (key.ctrl && input === 'e')) dispatch({ type: 'end' });
      else if (key.ctrl && input === 'u') dispatch({ type: 'clear' });
      // Most terminals send DEL (0x7f) for the Backspace key; Ink reports that as `delete`.
      else if (key.backspace || key.delete) dispatch({ type: 'backspace' });
      else if (input && !key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.tab)
        dispatch({ type: 'insert', text: input });
    },
    { isActive: isActive && isRawModeSupported === true },
  );
}

/** Types `input` into the field (Enter submits), from its current state. */
export function replay(
  input: string,
  start: TextFieldState,
  dispatch: (action: TextFieldAction) => void,
  onSubmit: (value: string) => void,
): void {
  let state = start;
  const apply = (action: TextFieldAction) => {
    state = textFieldReducer(state, action);
    dispatch(action);
  };
  for (const char of input) {
    if (char === '\r' || char === '\n') return onSubmit(state.value);
    if (char === '\u0015') apply({ type: 'clear' });
    else if (char === '\u007f' || char === '\u0008') apply({ type: 'backspace' });
    else if (char >= ' ') apply({ type: 'insert', text: char });
  }
}
