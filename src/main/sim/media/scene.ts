/**
 * Loads the 360° scene (resources/scene/room_equirect.png) once, decoded to raw RGB for fast sampling.
 * The file is found by walking up from this module (works from src/ under tsx and from out/ when bundled),
 * or from REACHY_SCENE_FILE.
 */
import { loadSharp } from '../../media';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SceneImage {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel. */
  data: Buffer;
  file: string;
}

export const SCENE_RELATIVE = path.join('resources', 'scene', 'room_equirect.png');

export function findSceneFile(): string {
  const env = process.env.REACHY_SCENE_FILE;
  if (env) return env;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, SCENE_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.resolve(process.cwd(), SCENE_RELATIVE);
}

const cache = new Map<string, Promise<SceneImage>>();

export function loadScene(file = findSceneFile()): Promise<SceneImage> {
  let p = cache.get(file);
  if (!p) {
    p = loadSharp()
      .then((sharp) => sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true }))
      .then(({ data, info }) => {
        // Shared memory, so the render worker reads the same 25 MB instead of a copy.
        const shared = Buffer.from(new SharedArrayBuffer(data.length));
        data.copy(shared);
        return { width: info.width, height: info.height, data: shared, file };
      });
    p.catch(() => cache.delete(file));
    cache.set(file, p);
  }
  return p;
}
