// Write a file so that a reader sees the old content or the new, never half of one: write a
// temporary file beside it, flush it, then rename over the target (rename is atomic on one disk).
import { open, rename, rm } from 'node:fs/promises';

/** `durable`: flush to disk before the rename (progress); a lab record, gone at exit, skips it. */
export async function writeFileAtomic(path: string, data: string, mode = 0o644, durable = true): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const handle = await open(temporary, 'w', mode);
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
