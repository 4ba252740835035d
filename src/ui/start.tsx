// Mounts the App on the real terminal. Its own module so that runTui can load Ink, React and the
// views in one lazy import, while it reads the catalog, and draw the map before every lesson's
// requirements are known (`update` fills them in).
import { render, type Instance } from 'ink';
import { App, type AppProps } from './app.js';

export interface Started {
  instance: Instance;
  update(patch: Partial<AppProps>): void;
}

export function startApp(props: AppProps): Started {
  let current = props;
  const instance = render(<App {...current} />, { exitOnCtrlC: true });
  return {
    instance,
    update(patch) {
      current = { ...current, ...patch };
      instance.rerender(<App {...current} />);
    },
  };
}
