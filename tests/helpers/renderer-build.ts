/**
 * Builds the console UI bundle (out/renderer) once before the e2e tests: skipped quickly when it is newer than its
 * sources, and skipped entirely when the run selects test paths none of which can contain an e2e test.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function rendererIsStale(): boolean {
  const marker = join(root, 'out', 'renderer', 'index.html');
  if (!existsSync(marker)) return true;
  const built = statSync(marker).mtimeMs;
  return newest(join(root, 'src', 'renderer')) > built || newest(join(root, 'src', 'shared')) > built;
}

/** True when the command line names test paths/filters and none of them could select tests/e2e. */
export function e2eNotSelected(argv: string[] = process.argv.slice(2)): boolean {
  const positional = argv.filter((a, i) => !a.startsWith('-') && a !== 'run' && a !== 'watch' && !(argv[i - 1] ?? '').match(/^--(reporter|outputFile|project|config|root|dir|testNamePattern|t)$/));
  if (positional.length === 0) return false;
  return !positional.some((p) => {
    const n = p.replace(/^\.\//, '').replace(/\/$/, '');
    return n === '.' || n === 'tests' || n.includes('e2e') || 'tests/e2e'.startsWith(n);
  });
}

/** `forBench`: called from `npm run bench -- B5`, whose arguments are bench ids, not test paths: build when stale. */
export async function ensureRendererBuilt(opts: { forBench?: boolean } = {}): Promise<void> {
  if ((!opts.forBench && e2eNotSelected()) || !rendererIsStale()) return;
  const mod = (await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href)) as { buildRenderer(o: { quiet: boolean }): Promise<void> };
  await mod.buildRenderer({ quiet: true });
}
