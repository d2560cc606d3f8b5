#!/usr/bin/env node
// Entry of the `reachy-console` command: the out/cli bundle in an installed package; in a checkout the same bundle,
// rebuilt first when a source is newer, else the TypeScript sources through tsx; see bin/entry.mjs and
// docs/ARCHITECTURE.md "Entry points".
import './check-node.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chooseEntry } from './entry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let entry = chooseEntry(root);
if ('error' in entry) {
  process.stderr.write(`reachy-console: ${entry.error}\n`);
  process.exit(2);
}
if (entry.form === 'rebuild') {
  // In a child process, so esbuild and the build's output buffers never weigh on this long-running one (~20 MB).
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs'), '--quiet', '--prune=old'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) {
    entry = { form: 'bundle', path: entry.path };
  } else {
    const why = (r.error ? String(r.error) : r.stderr || `exit ${r.status}`).trim().split('\n')[0].slice(0, 300);
    process.stderr.write(`reachy-console: could not build out/cli (${why}); running the TypeScript sources through tsx\n`);
    entry = { form: 'src', path: join(root, 'src', 'main', 'app', 'cli.ts') };
  }
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
