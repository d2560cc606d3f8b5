#!/usr/bin/env node
// Entry of the `reachy-console` command. In a source checkout it runs the TypeScript sources through tsx
// (no build step, never stale); in a packaged build it runs the bundled out/main/cli.js.
import './check-node.mjs';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'main', 'app', 'cli.ts');
const built = join(root, 'out', 'main', 'cli.js');

let mod;
if (existsSync(src)) {
  const { tsImport } = await import('tsx/esm/api');
  mod = await tsImport(pathToFileURL(src).href, import.meta.url);
} else if (existsSync(built)) {
  mod = await import(pathToFileURL(built).href);
} else {
  process.stderr.write('reachy-console: neither src/main/app/cli.ts nor out/main/cli.js found; run `npm run build`\n');
  process.exit(1);
}
const code = await mod.main(process.argv.slice(2));
if (typeof mod.finish === 'function') mod.finish(code);
else process.exitCode = code;
