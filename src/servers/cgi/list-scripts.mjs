// The scripts in cgi-bin, for the server's index page: a name, and whether it may run.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function listScripts(dir) {
  let names;
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const lines = [];
  for (const name of names) {
    try {
      const info = await stat(join(dir, name));
      if (info.isDirectory()) lines.push(`${name}/  (a folder)`);
      else lines.push(`${name}${info.mode & 0o111 ? '' : '  (no run bit: it will be refused)'}`);
    } catch {
      lines.push(`${name}  (a broken link)`);
    }
  }
  return lines;
}
