/**
 * Renders sim camera frames on a worker thread, so a frame (a few ms at 640 px, tens of ms at 1280) never blocks
 * the event loop that carries the simulator's 50 Hz stream, the driver and the console: in one process, rendering
 * on the main loop stalled that stream long enough to trip the state liveness check under load.
 *
 * The worker runs the same kernel as the in-thread fallback (render-kernel.ts, passed as source text, so nothing
 * needs a loader or a bundler entry) and reads the scene from shared memory (no copy). A frame is split into bands of
 * rows, one per worker (two on a machine with two or more cores: a 640 px frame then takes about half as long), which
 * all write into one shared output buffer (no copy, no transfer). Requests queue in order per worker. If a worker
 * cannot start or dies, renders fall back to this thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log';
import { GRID, renderCameraRows, type KernelIntrinsics } from './render-kernel';
import { errorMessage } from '../../../shared/errors';

export interface SharedScene {
  width: number;
  height: number;
  /** RGB; backed by a SharedArrayBuffer when it can be handed to the worker without a copy. */
  data: Uint8Array;
}

interface Job {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Bands per frame: one per worker; more workers than cores would only contend. */
const WORKERS = Math.max(1, Math.min(2, availableParallelism()));

const WORKER_SOURCE = (kernel: string): string => `
'use strict';
// tsx/esbuild may wrap named functions with __name(); a no-op here.
var __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
const renderCameraRows = ${kernel};
const scene = new Uint8Array(workerData.scene);
parentPort.on('message', (m) => {
  try {
    renderCameraRows(scene, workerData.width, workerData.height, m.r, m.k, new Uint8Array(m.out), m.rowStart, m.rowEnd, m.grid);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

export class RenderWorker {
  private workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private failed: string | null = null;

  constructor(
    private readonly scene: SharedScene,
    private readonly logger?: Logger,
    count = WORKERS,
  ) {
    if (!(scene.data.buffer instanceof SharedArrayBuffer)) {
      this.failed = 'scene is not in shared memory';
      return;
    }
    try {
      for (let n = 0; n < count; n++) this.workers.push(this.spawn());
    } catch (e) {
      this.failed = `render worker unavailable: ${errorMessage(e)}`;
      for (const w of this.workers) void w.terminate();
      this.workers = [];
    }
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE(renderCameraRows.toString()), {
      eval: true,
      workerData: { scene: this.scene.data.buffer, width: this.scene.width, height: this.scene.height },
    });
    w.on('message', (m: { id: number; error?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (m.error === undefined) job.resolve();
      else job.reject(new Error(m.error));
    });
    w.on('error', (e) => this.fail(`render worker failed: ${e.message}`));
    w.on('exit', (code) => {
      if (this.workers.includes(w)) this.fail(`render worker exited (${code})`);
    });
    // Idle workers must not keep a process alive.
    w.unref();
    return w;
  }

  /** Why renders run on this thread instead (null while the worker serves). */
  fallbackReason(): string | null {
    return this.failed;
  }

  render(r: ArrayLike<number>, k: KernelIntrinsics): Promise<Uint8Array> {
    const workers = this.workers;
    if (workers.length === 0) return Promise.resolve(this.renderHere(r, k));
    const out = new Uint8Array(new SharedArrayBuffer(k.width * k.height * 3));
    const rot = Array.from(r);
    const ki = { width: k.width, height: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy };
    // Bands start on grid rows, so each band renders exactly what a whole-frame render puts there.
    const step = Math.ceil(k.height / workers.length / GRID) * GRID;
    const bands: Promise<void>[] = [];
    for (let n = 0, rowStart = 0; n < workers.length && rowStart < k.height; n++, rowStart += step) {
      const id = this.nextId++;
      const rowEnd = Math.min(k.height, rowStart + step);
      bands.push(
        new Promise<void>((resolve, reject) => {
          this.jobs.set(id, { resolve, reject });
          workers[n].postMessage({ id, r: rot, k: ki, grid: GRID, out: out.buffer, rowStart, rowEnd });
        }),
      );
    }
    return Promise.all(bands).then(
      () => out,
      () => this.renderHere(r, k),
    );
  }

  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    this.failed = 'closed';
    for (const job of this.jobs.values()) job.reject(new Error('render worker closed'));
    this.jobs.clear();
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private renderHere(r: ArrayLike<number>, k: KernelIntrinsics): Uint8Array {
    const out = new Uint8Array(k.width * k.height * 3);
    renderCameraRows(this.scene.data, this.scene.width, this.scene.height, r, k, out, 0, k.height, GRID);
    return out;
  }

  private fail(reason: string): void {
    if (this.workers.length === 0) return;
    this.logger?.warn(`${reason}; rendering on the main thread`);
    this.failed = reason;
    const ws = this.workers;
    this.workers = [];
    // Pending frames are rendered here instead (render() catches the rejection).
    for (const job of this.jobs.values()) job.reject(new Error(reason));
    this.jobs.clear();
    for (const w of ws) void w.terminate();
  }
}
