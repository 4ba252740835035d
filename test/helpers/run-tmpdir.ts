// Global setup: the whole test run keeps its temporary folders (workspaces, lab run folders,
// sockets, Python's tempfile) under one fresh folder, removed when the run ends. Tests make
// hundreds of them, and many end without removing theirs (a failed assertion, a killed lab);
// without this they piled up in /tmp by the thousand. Set before any test file loads, so the
// workers, the tutor processes they start and the Python servers all inherit it.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Short: Unix socket paths (at most 107 bytes) are made under it.
  const dir = mkdtempSync(join(tmpdir(), 'gtr-'));
  // mkdtemp makes it 0700; Apache's and squid's workers run as another user and must reach the
  // folders the tests make for them inside it, as they reach /tmp's own.
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
