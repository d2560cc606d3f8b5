/**
 * The simulator's head camera: renders what the pinhole camera (src/shared/camera-model.ts, SIM_CAMERA) sees of
 * the equirectangular scene at a world-frame head pose (render-kernel.ts: bilinear samples, longitude wraps
 * around). `renderAsync` renders on the worker thread when one is attached (render-worker.ts).
 */
import type { Mat4 } from '../../../shared/kinematics';
import { SIM_CAMERA, cameraRotation, scaleIntrinsics, type Intrinsics } from '../../../shared/camera-model';
import type { RgbFrame } from '../../media';
import type { SceneImage } from './scene';
import { GRID, renderCameraRows } from './render-kernel';
import type { RenderWorker } from './render-worker';

export class SimCamera {
  constructor(
    private readonly scene: SceneImage,
    readonly intrinsics: Intrinsics = SIM_CAMERA,
    private readonly worker: RenderWorker | null = null,
  ) {}

  /** Output intrinsics for a requested longest edge (never above the native resolution). */
  intrinsicsFor(maxEdge?: number): Intrinsics {
    const k = this.intrinsics;
    const native = Math.max(k.width, k.height);
    if (!maxEdge || maxEdge >= native) return k;
    const width = Math.max(2, Math.round((k.width * maxEdge) / native));
    return scaleIntrinsics(k, width);
  }

  render(headPoseWorld: Mat4, maxEdge?: number, ts = Date.now()): RgbFrame {
    const k = this.intrinsicsFor(maxEdge);
    const out = Buffer.allocUnsafe(k.width * k.height * 3);
    const { width, height, data } = this.scene;
    renderCameraRows(data, width, height, cameraRotation(headPoseWorld), k, out, 0, k.height, GRID);
    return { width: k.width, height: k.height, data: out, ts };
  }

  /**
   * Same picture as `render`: on the render worker when one is attached (the event loop stays free), else here in
   * slices of rows with a yield between them, so the simulator's 50 Hz loop and its sockets keep running.
   */
  async renderAsync(headPoseWorld: Mat4, maxEdge?: number, ts = Date.now(), rowsPerSlice = 48): Promise<RgbFrame> {
    const k = this.intrinsicsFor(maxEdge);
    const r = cameraRotation(headPoseWorld);
    if (this.worker) {
      const px = await this.worker.render(r, k);
      return { width: k.width, height: k.height, data: Buffer.from(px.buffer, px.byteOffset, px.byteLength), ts };
    }
    const out = Buffer.allocUnsafe(k.width * k.height * 3);
    const { width, height, data } = this.scene;
    for (let row = 0; row < k.height; row += rowsPerSlice) {
      renderCameraRows(data, width, height, r, k, out, row, Math.min(k.height, row + rowsPerSlice), GRID);
      if (row + rowsPerSlice < k.height) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { width: k.width, height: k.height, data: out, ts };
  }
}
