// Watching the file an edit step is about, so that saving it re-runs the check.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** Calls onChange after the file is saved: fs.watch on its folder (editors often replace the file
 * rather than write it), plus polling of its size and mtime for file systems where watching
 * silently fails. Returns a function that stops both. */
export function watchFile(
  path: string,
  onChange: () => void,
  options: { pollMs?: number; settleMs?: number } = {},
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let lastSeen = '';
  let stopped = false;
  const fingerprint = async () => {
    const s = await stat(path).catch(() => undefined);
    return s ? `${s.mtimeMs}:${s.size}` : 'missing';
  };
  const changed = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const now = await fingerprint();
      if (stopped || now === lastSeen) return;
      lastSeen = now;
      onChange();
    }, options.settleMs ?? 200);
  };
  void fingerprint().then((f) => (lastSeen = f));
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_type, name) => {
      if (!name || name.toString() === basename(path)) changed();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(changed, options.pollMs ?? 1000);
  poll.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(poll);
    watcher?.close();
  };
}
