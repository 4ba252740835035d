// Lays out a one-line text field: label, value, and the cursor as an inverse cell.
import { Text } from 'ink';
import { useTheme } from '../../theme.js';

export interface TextFieldProps {
  label: string;
  value: string;
  cursor: number;
  /** Whether keys go to this field (shows the cursor). @default false */
  focused?: boolean;
  /** Shown dimmed while the value is empty. */
  placeholder?: string;
}

export function TextField({ label, value, cursor, focused = false, placeholder = '' }: TextFieldProps) {
  const theme = useTheme();
  const before = value.slice(0, cursor);
  const at = value[cursor] ?? ' ';
  const after = value.slice(cursor + 1);
  return (
    <Text wrap="truncate-start">
      <Text color={theme.accent} bold>
        {label}{' '}
      </Text>
      {value === '' && !focused ? <Text dimColor>{placeholder}</Text> : before}
      {focused ? <Text inverse>{at}</Text> : value === '' ? '' : at}
      {after}
    </Text>
  );
}
