/**
 * The panorama ConsoleApi group: plan preview, start (one scan at a time), cancel, status and results. Scans run
 * through the console's MeshClient (the one invoke path); progress goes to every UI as `panorama_progress`
 * pushes. Outputs land under `<dataDir>/panorama/<name>`; the UI names a folder, never a path.
 */
import { errorMessage } from '../../shared/errors';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ConsoleApiError } from '../../shared/console-api/protocol';
import type {
  PanoramaProgress,
  PanoramaResultInfo,
  PanoramaScanOptions,
  panoramaMethods,
} from '../../shared/console-api/panorama';
import type { ConsoleService, ConsoleServiceContext } from '../service';
import { ensureWritableDir } from './files';
import { planScan } from './planner';
import { runScan, type ScanResult } from './executor';

interface Running {
  scanId: string;
  outputDir: string;
  abort: AbortController;
  progress: PanoramaProgress;
  done: Promise<void>;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Width cap of the previews the console shows (data URLs in the scan result). */
export const GRID_PREVIEW_WIDTH = 1600;

export async function previewDataUrl(path: string, width: number, trim = false): Promise<string | undefined> {
  try {
    // The equirect's uncovered poles are plain background: trimmed so the viewer shows the room, not black bands.
    const src = trim ? await sharp(await readFile(path)).trim({ background: '#000000', threshold: 4 }).toBuffer() : await readFile(path);
    const buf = await sharp(src).resize({ width, withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
    return `data:image/jpeg;base64,${buf.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/** Opens a folder in the desktop's file manager when this machine has one; false on a headless server. */
function openFolder(path: string): Promise<boolean> {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, [path], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

export function createPanoramaService(ctx: ConsoleServiceContext): ConsoleService<typeof panoramaMethods> {
  const logger = ctx.logger.child('panorama');
  const root = join(ctx.dataDir, 'panorama');
  let running: Running | null = null;
  const results = new Map<string, { result: ScanResult | null; error?: string; outputDir: string }>();
  let lastId: string | null = null;

  const info = async (scanId: string, withPreviews: boolean): Promise<PanoramaResultInfo> => {
    const r = results.get(scanId);
    if (!r) throw new ConsoleApiError({ code: 'not_found', message: `no panorama scan '${scanId}' in this session`, field: 'scanId' });
    const m = r.result?.manifest;
    const base: PanoramaResultInfo = {
      scanId,
      status: r.result ? (r.result.status === 'complete' ? 'done' : r.result.status) : 'error',
      outputDir: r.outputDir,
      framesCaptured: r.result?.framesCaptured ?? 0,
      framesPlanned: r.result?.framesPlanned ?? 0,
      files: r.result?.files ?? [],
      driftWarnings: r.result?.driftWarnings ?? 0,
      ...(r.error || r.result?.error ? { error: r.error ?? r.result?.error } : {}),
    };
    if (withPreviews && m) {
      if (m.outputs.equirect) base.equirectPreview = await previewDataUrl(join(r.outputDir, m.outputs.equirect), GRID_PREVIEW_WIDTH, true);
      if (m.outputs.grid) base.gridPreview = await previewDataUrl(join(r.outputDir, m.outputs.grid), GRID_PREVIEW_WIDTH);
    }
    return base;
  };

  const start = async (input: PanoramaScanOptions & { outputName?: string }) => {
    if (running) {
      throw new ConsoleApiError({ code: 'unavailable', message: `a panorama scan is already running (${running.scanId}); cancel it first` });
    }
    const { outputName, ...options } = input;
    let plan;
    try {
      plan = planScan({ options });
    } catch (err) {
      throw new ConsoleApiError({ code: 'bad_request', message: errorMessage(err) });
    }
    const mesh = ctx.mesh(); // throws a readable error when the console is not connected
    const scanId = `scan-${stamp()}-${Math.random().toString(36).slice(2, 6)}`;
    const outputDir = join(root, outputName ?? scanId);
    try {
      await ensureWritableDir(outputDir, 'outputName');
    } catch (err) {
      throw new ConsoleApiError({ code: 'bad_request', message: errorMessage(err), field: 'outputName' });
    }
    const device = await mesh.getDevice(options.deviceId).catch(() => null);
    if (!device) {
      throw new ConsoleApiError({ code: 'not_found', message: `device '${options.deviceId}' is not on the mesh`, field: 'deviceId' });
    }
    const abort = new AbortController();
    const r: Running = {
      scanId,
      outputDir,
      abort,
      progress: { done: 0, total: plan.frames, phase: 'starting', scanId },
      done: Promise.resolve(),
    };
    running = r;
    lastId = scanId;
    results.set(scanId, { result: null, outputDir });
    const push = (p: PanoramaProgress) => {
      r.progress = p;
      ctx.push({ type: 'panorama_progress', progress: p });
    };
    logger.info(`scan ${scanId}: ${plan.frames} frames on ${options.deviceId} → ${outputDir}`);
    r.done = runScan({ mesh, plan, outputDir, logger, signal: abort.signal, onProgress: push, thumbnails: true, scanId })
      .then((result) => {
        results.set(scanId, { result, outputDir });
        logger.info(`scan ${scanId} ${result.status}: ${result.framesCaptured}/${result.framesPlanned} frames`);
      })
      .catch((err: unknown) => {
        const message = errorMessage(err);
        results.set(scanId, { result: null, error: message, outputDir });
        logger.error(`scan ${scanId} failed: ${message}`);
        push({ done: r.progress.done, total: plan.frames, phase: 'error', message, scanId });
      })
      .finally(() => {
        if (running === r) running = null;
      });
    return { scanId, outputDir, total: plan.frames };
  };

  return {
    handlers: {
      panoramaPlan: async (options) => {
        try {
          const { options: _o, ...summary } = planScan({ options });
          return summary;
        } catch (err) {
          throw new ConsoleApiError({ code: 'bad_request', message: errorMessage(err) });
        }
      },
      panoramaStart: start,
      panoramaCancel: async () => {
        if (!running) return { cancelled: false };
        running.abort.abort();
        await running.done;
        return { cancelled: true };
      },
      panoramaStatus: async () => {
        const last = lastId && !running ? await info(lastId, false).catch(() => undefined) : undefined;
        return running
          ? { state: 'running' as const, scanId: running.scanId, progress: running.progress }
          : { state: 'idle' as const, ...(last ? { last } : {}) };
      },
      panoramaResult: async ({ scanId }) => {
        if (running?.scanId === scanId) {
          throw new ConsoleApiError({ code: 'unavailable', message: `scan '${scanId}' is still running` });
        }
        return info(scanId, true);
      },
      panoramaOpenFolder: async ({ scanId }) => {
        const r = results.get(scanId);
        if (!r) throw new ConsoleApiError({ code: 'not_found', message: `no panorama scan '${scanId}' in this session`, field: 'scanId' });
        return { path: r.outputDir, opened: await openFolder(r.outputDir) };
      },
    },
    async close() {
      if (running) {
        running.abort.abort();
        await running.done;
      }
    },
  };
}
