// The keys that work right now, on one line.
import { Text } from 'ink';
import { useTheme } from '../theme.js';

export interface FooterProps {
  keys: [string, string][];
}

export function Footer({ keys }: FooterProps) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end">
      {keys.map(([key, what], i) => (
        <Text key={key}>
          {i > 0 ? <Text color={theme.muted}> · </Text> : ''}
          <Text bold color={theme.accent}>
            {key}
          </Text>{' '}
          <Text color={theme.muted}>{what}</Text>
        </Text>
      ))}
    </Text>
  );
}
