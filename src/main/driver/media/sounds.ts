/**
 * Allowed sound folders for `play_audio_file` (docs/ARCHITECTURE.md): a file name is resolved only inside the bundled
 * resources/sounds folder or folders the operator configured (REACHY_SOUNDS_DIR, ':'-separated). Absolute paths,
 * `..` segments and symlinks that escape a folder are refused.
 */
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOUND_EXTENSIONS = ['.wav', '.mp3', '.ogg', '.oga', '.opus', '.flac', '.m4a', '.aac'];

export function bundledSoundsDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources', 'sounds');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function defaultSoundDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  const bundled = bundledSoundsDir();
  if (bundled) dirs.push(bundled);
  for (const d of (env.REACHY_SOUNDS_DIR ?? '').split(path.delimiter)) if (d.trim()) dirs.push(path.resolve(d.trim()));
  return dirs;
}

export class SoundPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoundPathError';
  }
}

/** Resolves `name` to a real file inside one of `dirs`, or throws SoundPathError saying why. */
export async function resolveSound(name: string, dirs: string[]): Promise<string> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
    throw new SoundPathError('sound_file must be a file name of 1-255 characters');
  }
  if (name.includes('\0') || name.includes('\\')) throw new SoundPathError('sound_file must not contain NUL or backslashes');
  if (path.isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new SoundPathError('sound_file must be a name inside the allowed sounds folder, not an absolute path');
  }
  if (name.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    throw new SoundPathError('sound_file must not contain "..", "." or empty path segments');
  }
  const ext = path.extname(name).toLowerCase();
  if (!SOUND_EXTENSIONS.includes(ext)) {
    throw new SoundPathError(`sound_file must end with one of ${SOUND_EXTENSIONS.join(' ')}`);
  }
  if (dirs.length === 0) throw new SoundPathError('no sounds folder is configured (set REACHY_SOUNDS_DIR)');
  for (const dir of dirs) {
    let root: string;
    try {
      root = await realpath(dir);
    } catch {
      continue;
    }
    const candidate = path.join(root, name);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      continue;
    }
    // A symlink may point outside; only the real location counts.
    if (real !== root && real.startsWith(root + path.sep) && (await stat(real)).isFile()) return real;
    throw new SoundPathError(`sound_file "${name}" resolves outside the allowed sounds folder`);
  }
  throw new SoundPathError(`sound_file "${name}" not found in the allowed sounds folders (${dirs.map((d) => path.basename(d)).join(', ')})`);
}
