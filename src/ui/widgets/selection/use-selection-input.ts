// Arrow keys (and j/k, Page Up/Down, Home/End) move a list's selection.
import { useInput, useStdin } from 'ink';
import type { SelectionAction } from './use-selection-state.js';

export function useSelectionInput(
  dispatch: (action: SelectionAction) => void,
  options: { isActive: boolean; page?: number },
): void {
  const { isRawModeSupported } = useStdin();
  const page = options.page ?? 5;
  useInput(
    (input, key) => {
      if (key.upArrow || input === 'k') dispatch({ type: 'move', by: -1 });
      else if (key.downArrow || input === 'j') dispatch({ type: 'move', by: 1 });
      else if (key.pageUp) dispatch({ type: 'move', by: -page });
      else if (key.pageDown) dispatch({ type: 'move', by: page });
      else if (key.home) dispatch({ type: 'set', index: 0 });
      else if (key.end) dispatch({ type: 'last' });
    },
    { isActive: options.isActive && isRawModeSupported === true },
  );
}
