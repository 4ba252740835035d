// Wires keys to a text field's state: typing, editing keys, Enter submits, Esc cancels.
import { useInput, useStdin } from 'ink';
import type { TextFieldAction } from './use-text-field-state.js';

export interface TextFieldInput {
  value: string;
  dispatch: (action: TextFieldAction) => void;
  isActive: boolean;
  onSubmit: (value: string) => void;
  onCancel?: () => void;
}

export function useTextField({ value, dispatch, isActive, onSubmit, onCancel }: TextFieldInput): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.return) onSubmit(value);
      else if (key.escape) onCancel?.();
      else if (key.leftArrow) dispatch({ type: 'move', by: -1 });
      else if (key.rightArrow) dispatch({ type: 'move', by: 1 });
      else if (key.home || (key.ctrl && input === 'a')) dispatch({ type: 'home' });
      else if (key.end || (key.ctrl && input === 'e')) dispatch({ type: 'end' });
      else if (key.ctrl && input === 'u') dispatch({ type: 'clear' });
      // Most terminals send DEL (0x7f) for the Backspace key; Ink reports that as `delete`.
      else if (key.backspace || key.delete) dispatch({ type: 'backspace' });
      else if (input && !key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.tab) dispatch({ type: 'insert', text: input });
    },
    { isActive: isActive && isRawModeSupported === true },
  );
}
