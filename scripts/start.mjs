#!/usr/bin/env node
// `npm start`: builds the console UI when out/renderer is missing or older than its sources, then runs
// `reachy-console` with no argument (desktop window where Electron's binary is present, browser mode otherwise).
import '../bin/check-node.mjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'out', 'renderer', 'index.html');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function rendererIsStale() {
  if (!existsSync(marker)) return true;
  const built = statSync(marker).mtimeMs;
  return newest(join(root, 'src', 'renderer')) > built || newest(join(root, 'src', 'shared')) > built;
}

if (rendererIsStale()) {
  process.stderr.write('building the console UI…\n');
  const { buildRenderer } = await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href);
  await buildRenderer({ quiet: true });
}
const { tsImport } = await import('tsx/esm/api');
const cli = await tsImport(pathToFileURL(join(root, 'src', 'main', 'app', 'cli.ts')).href, import.meta.url);
cli.finish(await cli.main(process.argv.slice(2)));
