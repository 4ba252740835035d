#!/usr/bin/env node
// The installed command: run the bundled CLI. Everything else lives in dist/.
// Node 22.1+ can keep the compiled bundle on disk between runs (module.enableCompileCache): the
// next start skips most of the parsing and compiling. Node 20 has no such cache, hence the guard;
// a cache folder that cannot be written only means no cache. Loaded by a dynamic import so the
// cache is on before the bundle is compiled.
import module from 'node:module';

try {
  module.enableCompileCache?.();
} catch {
  /* no cache: the tutor starts as it would without one */
}
const { main } = await import('../dist/cli.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `gateway-tutor: unexpected error (a bug in the tutor, please report it):\n${error?.stack ?? error}\n`,
    );
    process.exit(70);
  },
);
