#!/usr/bin/env node
// Entry of the `reachy-console` command. Three forms (docs/ARCHITECTURE.md "Entry points"):
// - out/cli/ (plain JavaScript, built by scripts/build-cli.mjs, shipped in the npm package by `prepack`): used in an
//   installed package, and in a git checkout only when it is newer than every file and folder under src/main and
//   src/shared, so a checkout never runs a stale bundle;
// - otherwise the TypeScript sources through tsx (a source checkout: no build step);
// - else out/main/cli.js (the Electron build), when there are no sources.
// REACHY_CONSOLE_ENTRY=src|bundle forces one form (an error when it is missing).
import './check-node.mjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'main', 'app', 'cli.ts');
const bundle = join(root, 'out', 'cli', 'reachy-console.mjs');
const built = join(root, 'out', 'main', 'cli.js');

/** Newest mtime under a directory, its folders included (a deleted file changes its folder). A few ms. */
function newest(dir) {
  let t = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function bundleIsFresh() {
  if (!existsSync(bundle)) return false;
  // An installed package (no .git): its bundle was built from its sources by prepack. Times cannot tell there (npm
  // sets every file's mtime to 1985 and folders get the install time).
  if (!existsSync(src) || !existsSync(join(root, '.git'))) return true;
  const at = statSync(bundle).mtimeMs;
  return newest(join(root, 'src', 'main')) <= at && newest(join(root, 'src', 'shared')) <= at;
}

const forced = process.env.REACHY_CONSOLE_ENTRY;
if (forced !== undefined && forced !== 'src' && forced !== 'bundle') {
  process.stderr.write(`reachy-console: REACHY_CONSOLE_ENTRY=${forced} is not allowed (allowed: src, bundle)\n`);
  process.exit(2);
}
if ((forced === 'bundle' && !existsSync(bundle)) || (forced === 'src' && !existsSync(src))) {
  process.stderr.write(`reachy-console: REACHY_CONSOLE_ENTRY=${forced} but ${forced === 'src' ? src : bundle} is missing` +
    `${forced === 'bundle' ? ' (node scripts/build-cli.mjs builds it)' : ''}\n`);
  process.exit(2);
}

let mod;
if (forced === 'bundle' || (forced === undefined && bundleIsFresh())) {
  mod = await import(pathToFileURL(bundle).href);
} else if (existsSync(src)) {
  const { tsImport } = await import('tsx/esm/api');
  mod = await tsImport(pathToFileURL(src).href, import.meta.url);
} else if (existsSync(built)) {
  mod = await import(pathToFileURL(built).href);
} else {
  process.stderr.write('reachy-console: neither src/main/app/cli.ts nor out/cli nor out/main/cli.js found; run `node scripts/build-cli.mjs`\n');
  process.exit(1);
}
const code = await mod.main(process.argv.slice(2));
if (typeof mod.finish === 'function') mod.finish(code);
else process.exitCode = code;
