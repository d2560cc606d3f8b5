/** Where the package lives (source checkout or build), and the renderer bundle in it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'reachy-mini-console') return dir;
      } catch {
        // keep walking
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

export function rendererDir(): string {
  return join(packageRoot(), 'out', 'renderer');
}

/** Electron's binary, found without requiring the `electron` package (which would try to download it). */
export function electronBinary(): string | null {
  const pkg = join(packageRoot(), 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const rel = readFileSync(pathTxt, 'utf8').trim();
  const bin = join(pkg, 'dist', rel);
  return rel && existsSync(bin) ? bin : null;
}
