#!/usr/bin/env node
// Builds the `reachy-console` CLI (src/main/app/cli.ts) into out/cli/ with esbuild: plain JavaScript ES modules,
// dependencies left to node_modules, one chunk per lazily imported part (sim, media, MCP...) so a command loads only
// what it uses. `npm pack`/`npm publish` run it (prepack), and in a git checkout bin/reachy-console.mjs runs it when a
// source is newer than the bundle (docs/ARCHITECTURE.md "Entry points").
//
// Several processes may build and run out/cli at once (tests spawning the CLI while `npm pack` runs prepack), so the
// build never empties the folder: each file is replaced by a rename only when its bytes change, chunks before the
// entry, and the entry's time is set last — a reader sees a whole old build or a whole new one.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(root, 'out', 'cli');
export const CLI_ENTRY = join(CLI_OUT, 'reachy-console.mjs');
/** Files of an earlier build that a running process may still load lazily are kept this long by `prune: 'old'`. */
const KEEP_OLD_MS = 10 * 60_000;

let inFlight = 0;

function sameBytes(path, bytes) {
  try {
    if (statSync(path).size !== bytes.length) return false;
    return readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

function replaceFile(path, bytes) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * @param {{ quiet?: boolean, prune?: 'all' | 'old' }} [opts] prune 'all' (npm pack: ship exactly this build) removes
 *   every other file; 'old' (the launcher) only files of earlier builds untouched for 10 minutes.
 * @returns {Promise<{ ms: number, files: number, written: number }>}
 */
export async function buildCli({ quiet = false, prune = 'all' } = {}) {
  // esbuild comes with tsx (a dependency); it is only needed to build, never to run the bundle.
  const esbuild = await import('esbuild');
  const t0 = performance.now();
  inFlight++;
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { 'reachy-console': join(root, 'src', 'main', 'app', 'cli.ts') },
    outdir: CLI_OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    write: false,
    logLevel: quiet ? 'silent' : 'info',
    // Electron is never imported by the CLI (it spawns the binary); keep it out if a type import slips through.
    external: ['electron'],
  }).finally(() => inFlight--);
  // The launcher goes on to run the CLI for hours: do not leave esbuild's service process behind (once no other
  // build of this process still needs it).
  if (inFlight === 0) await esbuild.stop();
  mkdirSync(CLI_OUT, { recursive: true });
  const outputs = [...r.outputFiles].sort((a, b) => Number(a.path === CLI_ENTRY) - Number(b.path === CLI_ENTRY));
  let written = 0;
  for (const f of outputs) {
    if (sameBytes(f.path, f.contents)) continue;
    replaceFile(f.path, f.contents);
    written++;
  }
  replaceFile(join(CLI_OUT, 'BUILD.json'), JSON.stringify({ entry: 'src/main/app/cli.ts', builtAt: new Date().toISOString() }, null, 2) + '\n');
  const keep = new Set([...outputs.map((f) => f.path), join(CLI_OUT, 'BUILD.json')]);
  const now = Date.now();
  for (const name of readdirSync(CLI_OUT)) {
    const path = join(CLI_OUT, name);
    if (keep.has(path)) continue;
    try {
      // Another process's half-written file, or (with 'old') a recent build's chunk, is left alone.
      const age = now - statSync(path).mtimeMs;
      if (name.endsWith('.tmp') ? age > 60_000 : prune === 'all' || age > KEEP_OLD_MS) rmSync(path, { force: true });
    } catch {
      /* removed meanwhile */
    }
  }
  // bin/entry.mjs runs the bundle while its entry is newer than every source: mark this build current even when no
  // byte changed (a checkout whose files were touched but not edited).
  if (existsSync(CLI_ENTRY)) utimesSync(CLI_ENTRY, new Date(), new Date());
  const ms = Math.round(performance.now() - t0);
  if (!quiet) process.stderr.write(`out/cli built in ${ms} ms (${outputs.length} files, ${written} changed)\n`);
  return { ms, files: outputs.length, written };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // node scripts/build-cli.mjs [--quiet] [--prune=old]; a failure prints esbuild's first error and exits 1.
  const args = process.argv.slice(2);
  try {
    await buildCli({ quiet: args.includes('--quiet'), prune: args.includes('--prune=old') ? 'old' : 'all' });
  } catch (err) {
    const errors = err && typeof err === 'object' && Array.isArray(err.errors) ? err.errors : [];
    const first = errors[0];
    process.stderr.write(
      first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}\n` : `${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
