// Mounts the App on the real terminal. Its own module so that runTui can load Ink, React and the
// views in one lazy import, after it knows it has a terminal to draw on.
import { render, type Instance } from 'ink';
import { App, type AppProps } from './app.js';

export function startApp(props: AppProps): Instance {
  return render(<App {...props} />, { exitOnCtrlC: true });
}
