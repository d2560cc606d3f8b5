// Which form bin/reachy-console.mjs runs (docs/ARCHITECTURE.md "Entry points"):
// - 'bundle': out/cli/ (plain JavaScript, built by scripts/build-cli.mjs; `npm pack` builds it, prepack). Used in an
//   installed package, and in a git checkout when it is newer than every file and folder under src/main and
//   src/shared, so a checkout never runs a stale bundle;
// - 'rebuild': a git checkout whose bundle is missing or older than a source: the launcher builds out/cli (esbuild,
//   a few hundred ms) and runs it, falling back to 'src' if it cannot;
// - 'src': the TypeScript sources through tsx (no build step, about 35 MB more RSS);
// - 'built': out/main/cli.js (the Electron build), when there are neither.
// REACHY_CONSOLE_ENTRY=src|bundle|rebuild forces one form.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest mtime under a directory, its folders included (a deleted file changes its folder). A few ms. */
function newest(dir) {
  let t = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** @returns {{ form: 'bundle' | 'rebuild' | 'src' | 'built', path: string } | { error: string }} */
export function chooseEntry(root, env = process.env) {
  const src = join(root, 'src', 'main', 'app', 'cli.ts');
  const bundle = join(root, 'out', 'cli', 'reachy-console.mjs');
  const built = join(root, 'out', 'main', 'cli.js');
  const forced = env.REACHY_CONSOLE_ENTRY;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'src' && forced !== 'bundle' && forced !== 'rebuild') {
      return { error: `REACHY_CONSOLE_ENTRY=${forced} is not allowed (allowed: src, bundle, rebuild)` };
    }
    const needs = forced === 'bundle' ? bundle : src;
    if (!existsSync(needs)) return { error: `REACHY_CONSOLE_ENTRY=${forced} but ${needs} is missing${forced === 'bundle' ? ' (npm run build:cli builds it)' : ''}` };
    return { form: forced, path: forced === 'src' ? src : bundle };
  }
  if (existsSync(bundle)) {
    // An installed package (no .git) runs the bundle prepack built from its sources. File times cannot tell there:
    // npm sets every file's mtime to 1985 and folders get the install time.
    if (!existsSync(src) || !existsSync(join(root, '.git'))) return { form: 'bundle', path: bundle };
    const at = statSync(bundle).mtimeMs;
    if (newest(join(root, 'src', 'main')) <= at && newest(join(root, 'src', 'shared')) <= at) return { form: 'bundle', path: bundle };
  }
  if (existsSync(src) && existsSync(join(root, '.git')) && existsSync(join(root, 'scripts', 'build-cli.mjs'))) return { form: 'rebuild', path: bundle };
  if (existsSync(src)) return { form: 'src', path: src };
  if (existsSync(built)) return { form: 'built', path: built };
  return { error: 'neither src/main/app/cli.ts nor out/cli nor out/main/cli.js found; run `npm run build:cli`' };
}
