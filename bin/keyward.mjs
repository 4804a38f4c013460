#!/usr/bin/env node
// Runs the built CLI; "npm run build" (part of "npm run setup") creates it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    'keyward: Keyward is not built yet.\nNext step: run "npm run setup" (or "npm run build") in the Keyward folder.\n',
  );
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
