// The one place colours are chosen. With NO_COLOR or --no-color every colour is undefined, so
// Ink prints plain text; state is then carried by the symbols (✓ ▸ ✗ ·), never by colour alone.
import { createContext, useContext } from 'react';

export interface Theme {
  accent?: string;
  pass?: string;
  fail?: string;
  warn?: string;
  muted?: string;
  border?: string;
  noColor: boolean;
}

export function createTheme(noColor: boolean): Theme {
  if (noColor) return { noColor };
  return { accent: 'cyan', pass: 'green', fail: 'red', warn: 'yellow', muted: 'gray', border: 'gray', noColor };
}

export const ThemeContext = createContext<Theme>(createTheme(false));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
