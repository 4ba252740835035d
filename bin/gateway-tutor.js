#!/usr/bin/env node
// The installed command: run the bundled CLI. Everything else lives in dist/.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `gateway-tutor: unexpected error (a bug in the tutor, please report it):\n${error?.stack ?? error}\n`,
    );
    process.exit(70);
  },
);
