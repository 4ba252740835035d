// The keys that work right now, on one line. When they do not all fit, the ones listed last give
// way; help, which lists every key, and quit are always kept.
import { Text } from 'ink';
import { visibleWidth } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface FooterProps {
  keys: [string, string][];
  /** Columns available. @default no limit */
  width?: number;
}

/** The keys that fit in `width`, in their order; help (?) and quit (q) are always kept. */
export function fittingKeys(keys: [string, string][], width: number): [string, string][] {
  const size = (list: [string, string][]) =>
    list.reduce((n, [key, what], i) => n + (i > 0 ? 3 : 0) + visibleWidth(key) + 1 + visibleWidth(what), 0);
  const kept = [...keys];
  const essential = (key: string) => key === '?' || key === 'q';
  while (size(kept) > width) {
    let drop = kept.length - 1;
    while (drop >= 0 && essential(kept[drop]![0])) drop--;
    if (drop < 0) break;
    kept.splice(drop, 1);
  }
  return kept;
}

export function Footer({ keys, width = Number.POSITIVE_INFINITY }: FooterProps) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end">
      {fittingKeys(keys, width - 1).map(([key, what], i) => (
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
