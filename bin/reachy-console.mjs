#!/usr/bin/env node
// Entry of the `reachy-console` command: the out/cli bundle in an installed package (or a fresh one in a checkout),
// else the TypeScript sources through tsx; see bin/entry.mjs and docs/ARCHITECTURE.md "Entry points".
import './check-node.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { chooseEntry } from './entry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = chooseEntry(root);
if ('error' in entry) {
  process.stderr.write(`reachy-console: ${entry.error}\n`);
  process.exit(2);
}
let mod;
if (entry.form === 'src') {
  const { tsImport } = await import('tsx/esm/api');
  mod = await tsImport(pathToFileURL(entry.path).href, import.meta.url);
} else {
  mod = await import(pathToFileURL(entry.path).href);
}
const code = await mod.main(process.argv.slice(2));
if (typeof mod.finish === 'function') mod.finish(code);
else process.exitCode = code;
