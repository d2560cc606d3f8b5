/** Which form bin/reachy-console.mjs runs: the out/cli bundle or the TypeScript sources (bin/entry.mjs). */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntryChoice } from '../../../bin/entry.mjs';

const ROOT = new URL('../../../', import.meta.url).pathname;
const { chooseEntry } = (await import(pathToFileURL(join(ROOT, 'bin', 'entry.mjs')).href)) as {
  chooseEntry(root: string, env?: Record<string, string | undefined>): EntryChoice;
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A package tree: sources (mtime `srcAt`), optionally a bundle (mtime `bundleAt`) and a .git. */
function tree(opts: { git: boolean; bundleAt?: number; srcAt: number; buildScript?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'entry-'));
  dirs.push(root);
  const files = ['src/main/app/cli.ts', 'src/main/sim/core.ts', 'src/shared/wire.ts'];
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  // Folders too: a deleted file only changes its folder's time.
  for (const p of [...files, 'src/main/app', 'src/main/sim', 'src/main', 'src/shared']) utimesSync(join(root, p), opts.srcAt, opts.srcAt);
  if (opts.git) mkdirSync(join(root, '.git'));
  if (opts.buildScript) {
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'scripts', 'build-cli.mjs'), '');
  }
  if (opts.bundleAt !== undefined) {
    mkdirSync(join(root, 'out', 'cli'), { recursive: true });
    writeFileSync(join(root, 'out', 'cli', 'reachy-console.mjs'), '');
    utimesSync(join(root, 'out', 'cli', 'reachy-console.mjs'), opts.bundleAt, opts.bundleAt);
  }
  return root;
}

const form = (c: EntryChoice): string => ('error' in c ? `error: ${c.error}` : c.form);

describe('bin entry choice', () => {
  it('an installed package runs its bundle, whatever the file times (npm resets them)', () => {
    expect(form(chooseEntry(tree({ git: false, bundleAt: 500_000_000, srcAt: 1_700_000_000 }), {}))).toBe('bundle');
  });

  it('a checkout runs its sources unless its bundle is newer than every source file and folder', () => {
    expect(form(chooseEntry(tree({ git: true, srcAt: 1_700_000_000 }), {}))).toBe('src');
    expect(form(chooseEntry(tree({ git: true, bundleAt: 1_700_000_100, srcAt: 1_700_000_000 }), {}))).toBe('bundle');
    const stale = tree({ git: true, bundleAt: 1_700_000_100, srcAt: 1_700_000_000 });
    utimesSync(join(stale, 'src/main/sim'), 1_700_000_200, 1_700_000_200);
    expect(form(chooseEntry(stale, {}))).toBe('src');
  });

  it('a checkout that can build (scripts/build-cli.mjs) rebuilds a missing or stale bundle instead of running tsx', () => {
    expect(form(chooseEntry(tree({ git: true, srcAt: 1_700_000_000, buildScript: true }), {}))).toBe('rebuild');
    expect(form(chooseEntry(tree({ git: true, bundleAt: 1_700_000_100, srcAt: 1_700_000_000, buildScript: true }), {}))).toBe('bundle');
    const stale = tree({ git: true, bundleAt: 1_700_000_100, srcAt: 1_700_000_000, buildScript: true });
    utimesSync(join(stale, 'src/shared/wire.ts'), 1_700_000_200, 1_700_000_200);
    expect(form(chooseEntry(stale, {}))).toBe('rebuild');
    // An installed package never builds, and REACHY_CONSOLE_ENTRY=src still means tsx.
    expect(form(chooseEntry(tree({ git: false, srcAt: 1_700_000_000, buildScript: true }), {}))).toBe('src');
    expect(form(chooseEntry(stale, { REACHY_CONSOLE_ENTRY: 'src' }))).toBe('src');
  });

  it('REACHY_CONSOLE_ENTRY forces a form, and says what is wrong', () => {
    const root = tree({ git: true, srcAt: 1_700_000_000 });
    expect(form(chooseEntry(root, { REACHY_CONSOLE_ENTRY: 'src' }))).toBe('src');
    expect(form(chooseEntry(root, { REACHY_CONSOLE_ENTRY: 'rebuild' }))).toBe('rebuild');
    expect(form(chooseEntry(root, { REACHY_CONSOLE_ENTRY: 'bundle' }))).toMatch(/^error: REACHY_CONSOLE_ENTRY=bundle but .*out\/cli\/reachy-console\.mjs is missing/);
    expect(form(chooseEntry(root, { REACHY_CONSOLE_ENTRY: 'dist' }))).toMatch(/not allowed \(allowed: src, bundle, rebuild\)/);
  });
});
