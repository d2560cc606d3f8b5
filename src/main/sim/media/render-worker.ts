/**
 * Renders sim camera frames on a worker thread, so a frame (a few ms at 640 px, tens of ms at 1280) never blocks
 * the event loop that carries the simulator's 50 Hz stream, the driver and the console: in one process, rendering
 * on the main loop stalled that stream long enough to trip the state liveness check under load.
 *
 * The worker runs the same kernel as the in-thread fallback (render-kernel.ts, passed as source text, so nothing
 * needs a loader or a bundler entry) and reads the scene from shared memory (no copy). One render at a time per
 * worker; requests queue in order. If the worker cannot start or dies, renders fall back to this thread.
 */
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
  resolve: (out: Uint8Array) => void;
  reject: (e: Error) => void;
}

const WORKER_SOURCE = (kernel: string): string => `
'use strict';
// tsx/esbuild may wrap named functions with __name(); a no-op here.
var __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
const renderCameraRows = ${kernel};
const scene = new Uint8Array(workerData.scene);
parentPort.on('message', (m) => {
  try {
    const out = new Uint8Array(m.k.width * m.k.height * 3);
    renderCameraRows(scene, workerData.width, workerData.height, m.r, m.k, out, 0, m.k.height, m.grid);
    parentPort.postMessage({ id: m.id, out }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

export class RenderWorker {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private failed: string | null = null;

  constructor(
    private readonly scene: SharedScene,
    private readonly logger?: Logger,
  ) {
    if (!(scene.data.buffer instanceof SharedArrayBuffer)) {
      this.failed = 'scene is not in shared memory';
      return;
    }
    try {
      const w = new Worker(WORKER_SOURCE(renderCameraRows.toString()), {
        eval: true,
        workerData: { scene: scene.data.buffer, width: scene.width, height: scene.height },
      });
      w.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => {
        const job = this.jobs.get(m.id);
        if (!job) return;
        this.jobs.delete(m.id);
        if (m.out) job.resolve(m.out);
        else job.reject(new Error(m.error ?? 'render failed'));
      });
      w.on('error', (e) => this.fail(`render worker failed: ${e.message}`));
      w.on('exit', (code) => {
        if (this.worker) this.fail(`render worker exited (${code})`);
      });
      // Idle workers must not keep a process alive.
      w.unref();
      this.worker = w;
    } catch (e) {
      this.failed = `render worker unavailable: ${errorMessage(e)}`;
    }
  }

  /** Why renders run on this thread instead (null while the worker serves). */
  fallbackReason(): string | null {
    return this.failed;
  }

  render(r: ArrayLike<number>, k: KernelIntrinsics): Promise<Uint8Array> {
    const w = this.worker;
    if (!w) return Promise.resolve(this.renderHere(r, k));
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      w.postMessage({ id, r: Array.from(r), k: { width: k.width, height: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy }, grid: GRID });
    }).catch(() => this.renderHere(r, k));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failed = 'closed';
    for (const job of this.jobs.values()) job.reject(new Error('render worker closed'));
    this.jobs.clear();
    if (w) await w.terminate();
  }

  private renderHere(r: ArrayLike<number>, k: KernelIntrinsics): Uint8Array {
    const out = new Uint8Array(k.width * k.height * 3);
    renderCameraRows(this.scene.data, this.scene.width, this.scene.height, r, k, out, 0, k.height, GRID);
    return out;
  }

  private fail(reason: string): void {
    this.logger?.warn(`${reason}; rendering on the main thread`);
    this.failed = reason;
    const w = this.worker;
    this.worker = null;
    // Pending frames are rendered here instead (render() catches the rejection).
    for (const job of this.jobs.values()) job.reject(new Error(reason));
    this.jobs.clear();
    void w?.terminate();
  }
}
