/**
 * The out/cli bundle can be rebuilt while other processes run it (tests spawning the CLI while `npm pack` runs its
 * prepack, or two checkout launches rebuilding at once): builds of the same sources change no byte, leave no
 * temporary file, and a CLI started meanwhile always finds a whole bundle.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const OUT = join(ROOT, 'out', 'cli');
const BIN = join(ROOT, 'bin', 'reachy-console.mjs');
type Build = (o: { quiet: boolean; prune: 'all' | 'old' }) => Promise<{ files: number; written: number }>;
const { buildCli } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build-cli.mjs')).href)) as { buildCli: Build };

const snapshot = (): Map<string, string> =>
  new Map(readdirSync(OUT).filter((n) => n !== 'BUILD.json').map((n) => [n, readFileSync(join(OUT, n)).toString('base64')]));

describe('out/cli rebuilt under concurrent use', () => {
  it('two builds and three CLI runs at once: every run works, the builds change nothing, no temp file is left', async () => {
    const first = await buildCli({ quiet: true, prune: 'old' });
    expect(first.files).toBeGreaterThan(5);
    const before = snapshot();
    expect(before.has('reachy-console.mjs')).toBe(true);
    const entryAt = statSync(join(OUT, 'reachy-console.mjs')).mtimeMs;

    const cli = () => run(process.execPath, [BIN, '--help'], { cwd: ROOT, timeout: 60_000 });
    const [b1, b2, ...runs] = await Promise.all([
      buildCli({ quiet: true, prune: 'old' }),
      buildCli({ quiet: true, prune: 'old' }),
      cli(),
      cli(),
      cli(),
    ]);
    expect([b1.written, b2.written]).toEqual([0, 0]);
    for (const r of runs) expect(r.stdout).toMatch(/^Usage: reachy-console <command>/);
    expect(snapshot()).toEqual(before);
    expect(readdirSync(OUT).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The entry is marked current even though no byte changed, so the launcher keeps choosing it.
    expect(statSync(join(OUT, 'reachy-console.mjs')).mtimeMs).toBeGreaterThanOrEqual(entryAt);
  }, 120_000);
});
