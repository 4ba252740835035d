// Mounts the App on the real terminal. Its own module so that runTui can load Ink, React and the
// views in one lazy import, while it reads the catalog, and draw the map before every lesson's
// requirements are known (`update` fills them in).
import { type Instance, render, useInput, useStdin } from 'ink';
import type { ReactNode } from 'react';
// Ink's registry of its instances, by output stream: not part of Ink's exports, so by its path.
import instances from '../../node_modules/ink/build/instances.js';
import { App, type AppProps } from './app.js';

export interface Started {
  instance: Instance;
  update(patch: Partial<AppProps>): void;
}

export function startApp(props: AppProps): Started {
  let current = props;
  const app = (props: AppProps) => (
    <KeysDrawNow>
      <App {...props} />
    </KeysDrawNow>
  );
  const instance = render(app(current), { exitOnCtrlC: true });
  drawKeysAtOnce();
  return {
    instance,
    update(patch) {
      current = { ...current, ...patch };
      instance.rerender(app(current));
    },
  };
}

/** The parts of Ink's instance (ink.js) that drawKeysAtOnce uses; not in Ink's types. */
interface InkInternals {
  rootNode?: { onRender?: () => void };
  onRender?: () => void;
  throttledOnRender?: { cancel(): void };
}

let keyPressed = false;

/** Ink draws at most 30 frames a second: a change made within 33 ms of the last frame waits for
 * the next one. That suits a lab's stream of events, but a key answered that way waits too (the
 * `?` typed as the map appears waited for the frame that the probes' answer had just asked for).
 * So the first frame asked for after a key is drawn at once, and any frame that was waiting is
 * drawn with it. Where Ink is not built as expected, frames stay as Ink draws them. */
function drawKeysAtOnce(): void {
  const ink = instances.get(process.stdout) as InkInternals | undefined;
  const throttled = ink?.rootNode?.onRender;
  const { onRender, throttledOnRender } = ink ?? {};
  if (!ink?.rootNode || !throttled || !onRender || !throttledOnRender) return;
  ink.rootNode.onRender = () => {
    if (!keyPressed) return throttled();
    keyPressed = false;
    throttledOnRender.cancel();
    onRender();
  };
}

function KeysDrawNow({ children }: { children: ReactNode }) {
  const { isRawModeSupported } = useStdin();
  useInput(
    () => {
      keyPressed = true;
    },
    { isActive: isRawModeSupported === true },
  );
  return children;
}
