/**
 * Panoramas for agents: the latest equirectangular panorama in the bridge's panorama folder (resource
 * `panorama://latest`), and a scan run for the "look around" prompt. A scan moves the robot only through the
 * bridge's invoke path (the same allow-list as invoke_device) and writes the usual outputs (frames, manifest,
 * panorama_equirect.jpg) into a new folder there.
 *
 * The folder: `--panorama-dir`, else for `mcp --sim` a temporary folder of this bridge (its robot exists only
 * here), else the console's panorama folder (`~/.local/share/reachy-console/panorama`), so scans the operator ran
 * in the console are what an agent sees; the console-hosted bridge uses its console's folder.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const PANORAMA_URI = 'panorama://latest';

/** The console's default panorama folder (its data dir's `panorama`). */
export function defaultPanoramaDir(): string {
  return join(homedir(), '.local', 'share', 'reachy-console', 'panorama');
}

// Only what we read: a manifest from another version with more fields still counts.
const manifestLite = z.object({
  device_id: z.string(),
  status: z.string(),
  finished_at: z.string().nullable().optional(),
  outputs: z.object({ equirect: z.string().nullable().optional() }).passthrough(),
  coverage: z.object({ frames_captured: z.number().optional(), span_deg: z.number().optional() }).passthrough().optional(),
});

export interface LatestPanorama {
  dir: string;
  equirectPath: string;
  deviceId: string;
  status: string;
  finishedAt: string | null;
  framesCaptured: number | null;
  mtimeMs: number;
}

async function readScan(dir: string): Promise<LatestPanorama | null> {
  try {
    const manifest = manifestLite.safeParse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
    if (!manifest.success || !manifest.data.outputs.equirect) return null;
    const equirectPath = join(dir, manifest.data.outputs.equirect);
    const st = await stat(equirectPath);
    return {
      dir,
      equirectPath,
      deviceId: manifest.data.device_id,
      status: manifest.data.status,
      finishedAt: manifest.data.finished_at ?? null,
      framesCaptured: manifest.data.coverage?.frames_captured ?? null,
      mtimeMs: st.mtimeMs,
    };
  } catch {
    return null;
  }
}

/** The newest scan with an equirect image in `root` (its sub-folders, or `root` itself); null when none. */
export async function findLatestPanorama(root: string): Promise<LatestPanorama | null> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return null;
  }
  const scans = await Promise.all([root, ...names.map((n) => join(root, n))].map(readScan));
  let best: LatestPanorama | null = null;
  for (const s of scans) if (s && (!best || s.mtimeMs > best.mtimeMs)) best = s;
  return best;
}

/** Longest edge an agent gets: enough to see a room, small enough for any MCP client's image limits. */
const AGENT_MAX_WIDTH = 2048;

/** The equirect as an agent gets it: the uncovered black poles trimmed, at most 2048 px wide, JPEG. */
export async function equirectForAgent(path: string): Promise<{ data: string; mimeType: 'image/jpeg'; width: number; height: number }> {
  // Lazy: a bridge that never shows a panorama does not load sharp.
  const { default: sharp } = await import('sharp');
  const src = await readFile(path);
  let trimmed: Buffer;
  try {
    trimmed = await sharp(src).trim({ background: '#000000', threshold: 4 }).toBuffer();
  } catch {
    trimmed = src; // an all-black image cannot be trimmed; send it as it is
  }
  const { data, info } = await sharp(trimmed)
    .resize({ width: AGENT_MAX_WIDTH, withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer({ resolveWithObject: true });
  return { data: data.toString('base64'), mimeType: 'image/jpeg', width: info.width, height: info.height };
}

export function noPanoramaMessage(root: string): string {
  return (
    `No panorama yet in ${root}. Use the prompt "look_around" to scan the room with the robot's camera, or run a ` +
    'scan in the console\'s panorama panel (or `reachy-console panorama --output <folder in that directory>`); ' +
    `then read ${PANORAMA_URI} again.`
  );
}
