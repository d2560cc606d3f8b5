/** Atomic file writes (temp file + rename: nothing ever sees half a file) and the output folder check. */
import { errorMessage } from '../../shared/errors';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export async function writeAtomic(path: string, data: Buffer | Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** mkdir -p without `recursive: true` (which never returns for paths under /proc on Node 20). */
async function mkdirp(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = resolve(dir);
  while (!(await stat(cur).then(() => true, () => false))) {
    missing.unshift(cur);
    const parent = dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const m of missing) await mkdir(m).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/**
 * Creates the output folder when missing and proves it is writable (by writing and removing a probe file).
 * Throws an Error naming the option, before the robot moves.
 */
export async function ensureWritableDir(dir: string, option = '--output'): Promise<void> {
  try {
    const s = await stat(dir).catch(() => null);
    if (s && !s.isDirectory()) throw new Error('exists and is not a folder');
    await mkdirp(dir);
    await access(dir, constants.W_OK);
    const probe = join(dir, `.probe-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new Error(`${option}=${dir} is not a writable folder (${why})`, { cause: err });
  }
}
