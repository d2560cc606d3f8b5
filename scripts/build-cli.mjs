#!/usr/bin/env node
// Builds the `reachy-console` CLI (src/main/app/cli.ts) into out/cli/ with esbuild: plain JavaScript ES modules,
// dependencies left to node_modules, one chunk per lazily imported part (sim, media, MCP...) so a command loads only
// what it uses. `npm pack`/`npm publish` run it (prepack), so an installed package starts without compiling
// TypeScript; bin/reachy-console.mjs picks it when it is newer than the sources (docs/ARCHITECTURE.md "Entry points").
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(root, 'out', 'cli');

export async function buildCli({ quiet = false } = {}) {
  // esbuild comes with tsx (a dependency); it is only needed to build, never to run the bundle.
  const { build } = await import('esbuild');
  rmSync(CLI_OUT, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await build({
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
    metafile: true,
    logLevel: quiet ? 'warning' : 'info',
    // Electron is never imported by the CLI (it spawns the binary); keep it out if a type import slips through.
    external: ['electron'],
  });
  // A marker the launcher compares with the sources' times (the bundle's own mtime is what counts; this records how).
  writeFileSync(join(CLI_OUT, 'BUILD.json'), JSON.stringify({ entry: 'src/main/app/cli.ts', builtAt: new Date().toISOString() }, null, 2) + '\n');
  if (!quiet) process.stderr.write(`out/cli built in ${Math.round(performance.now() - t0)} ms (${Object.keys(r.metafile.outputs).length} files)\n`);
  return r;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
