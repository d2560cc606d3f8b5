/**
 * Panorama stitching off the event loop: the reprojection and blending (EquirectAccumulator, ~10 ms per 640 px
 * frame and a full pass over the output at the end) run on a worker thread, JPEG decoding stays in sharp's own
 * threads; the main loop only hands buffers over. A stitch at the end of a scan used to hold the console's loop —
 * the one carrying the robot's 50 Hz state — for the whole reprojection.
 *
 * The worker runs equirect.ts's own code from its source text (no loader or bundler entry needed; declared under
 * each function's own name, so a bundler's renaming still resolves), so the result is the same bytes as the
 * in-thread accumulator; if the worker cannot start or fails, the stitch runs here.
 */
import { Worker } from 'node:worker_threads';
import type { Intrinsics } from '../../shared/camera-model';
import type { Mat3 } from '../../shared/kinematics';
import { loadSharp } from '../media';
import { EquirectAccumulator, autoEquirectWidth, frameWindow, scaledK, tables } from './equirect';
import { cameraRotationFromRpy } from './pose-math';
import { errorMessage } from '../../shared/errors';

export interface StitchInput {
  jpeg: Buffer;
  width: number;
  orientation: { rollDeg: number; pitchDeg: number; yawDeg: number };
}

export interface StitchOutput {
  data: Uint8Array;
  width: number;
  height: number;
  coverage: number;
  weight: Float32Array;
  /** Where the reprojection ran: 'worker', or 'main' after a worker failure (with the reason). */
  thread?: 'worker' | 'main';
  fallbackReason?: string;
}

const workerSource = (): string => `
'use strict';
var __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
const tableCache = new Map();
${[scaledK, tables, frameWindow].map((f) => `const ${f.name} = ${f.toString()};`).join('\n')}
const EquirectAccumulator = ${EquirectAccumulator.toString()};
const acc = new EquirectAccumulator(workerData.opts);
parentPort.on('message', (m) => {
  try {
    if (m.type === 'add') {
      acc.add({ data: m.data, width: m.width, height: m.height, channels: m.channels, rWorldCam: m.r });
      parentPort.postMessage({ type: 'added' });
    } else {
      const out = acc.finish();
      parentPort.postMessage({ type: 'done', out }, [out.data.buffer, out.weight.buffer]);
    }
  } catch (e) {
    parentPort.postMessage({ type: 'error', error: String((e && e.message) || e) });
  }
});
`;

/** Decoded frames, one at a time (never all decoded at once). */
async function* decoded(frames: StitchInput[]): AsyncGenerator<{ data: Uint8Array; width: number; height: number; channels: number; r: Mat3 }> {
  const sharp = await loadSharp();
  for (const f of frames) {
    const { data, info } = await sharp(f.jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    yield { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels, r: cameraRotationFromRpy(f.orientation) };
  }
}

/** The same stitch on this thread (the fallback, and the reference the worker's output must equal). */
export async function stitchHere(frames: StitchInput[], opts: { intrinsics: Intrinsics; width: number }): Promise<StitchOutput> {
  const acc = new EquirectAccumulator(opts);
  for await (const f of decoded(frames)) acc.add({ ...f, rWorldCam: f.r });
  return acc.finish();
}

async function stitchOnWorker(frames: StitchInput[], opts: { intrinsics: Intrinsics; width: number }): Promise<StitchOutput> {
  const worker = new Worker(workerSource(), { eval: true, workerData: { opts } });
  try {
    let waiting: { resolve: (m: { type: string; out?: StitchOutput; error?: string }) => void; reject: (e: Error) => void } | null = null;
    const next = (): Promise<{ type: string; out?: StitchOutput; error?: string }> => new Promise((resolve, reject) => (waiting = { resolve, reject }));
    worker.on('message', (m: { type: string; out?: StitchOutput; error?: string }) => waiting?.resolve(m));
    worker.on('error', (e) => waiting?.reject(e));
    worker.on('exit', (code) => waiting?.reject(new Error(`stitch worker exited (${code})`)));
    for await (const f of decoded(frames)) {
      // A private copy to hand over (sharp's buffer may share its memory); transferring it costs no copy on arrival.
      const data = f.data.slice();
      const reply = next();
      worker.postMessage({ type: 'add', data, width: f.width, height: f.height, channels: f.channels, r: f.r }, [data.buffer]);
      const m = await reply;
      if (m.type !== 'added') throw new Error(m.error ?? 'stitch worker failed');
    }
    const reply = next();
    worker.postMessage({ type: 'finish' });
    const m = await reply;
    if (m.type !== 'done' || !m.out) throw new Error(m.error ?? 'stitch worker failed');
    return { ...m.out, thread: 'worker' };
  } finally {
    await worker.terminate();
  }
}

/**
 * Decodes JPEG frames and reprojects them into one equirectangular image (width 0 = matched to the frames'
 * angular resolution), on a worker thread; falls back to this thread if the worker fails.
 */
export async function stitchJpegFramesOffThread(frames: StitchInput[], k: Intrinsics, width = 0): Promise<StitchOutput> {
  const opts = { intrinsics: k, width: width || autoEquirectWidth(k, frames[0].width) };
  try {
    return await stitchOnWorker(frames, opts);
  } catch (e) {
    return { ...(await stitchHere(frames, opts)), thread: 'main', fallbackReason: errorMessage(e) };
  }
}
