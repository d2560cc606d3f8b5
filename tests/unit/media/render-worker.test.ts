/**
 * The sim camera renders on a worker thread (the event loop carrying the 50 Hz stream stays free) and the picture
 * is exactly the one the in-thread renderer makes; the grid-interpolated kernel stays within a fraction of a grey
 * level of the exact per-pixel projection on average.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScene, type SceneImage } from '../../../src/main/sim/media/scene';
import { SimCamera } from '../../../src/main/sim/media/camera';
import { RenderWorker } from '../../../src/main/sim/media/render-worker';
import { renderCameraRows } from '../../../src/main/sim/media/render-kernel';
import { cameraRotation } from '../../../src/shared/camera-model';
import { poseToMat4 } from '../../../src/shared/kinematics';

let scene: SceneImage;
let worker: RenderWorker;

beforeAll(async () => {
  scene = await loadScene();
  worker = new RenderWorker(scene);
});
afterAll(() => worker.close());

const pose = (yawDeg: number, pitchDeg: number, rollDeg = 0) =>
  poseToMat4({ x: 0, y: 0, z: 0, roll: (rollDeg * Math.PI) / 180, pitch: (pitchDeg * Math.PI) / 180, yaw: (yawDeg * Math.PI) / 180 });

describe('sim camera render worker', () => {
  it('renders on the worker, the same bytes as the in-thread renderer, across the longitude seam too', async () => {
    expect(scene.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const onWorker = new SimCamera(scene, undefined, worker);
    const here = new SimCamera(scene);
    for (const p of [pose(10, 5), pose(179, -30, 10), pose(-90, 35)]) {
      const a = await onWorker.renderAsync(p, 640);
      const b = here.render(p, 640);
      expect([a.width, a.height]).toEqual([640, 360]);
      expect(a.data.equals(b.data)).toBe(true);
      const sliced = await here.renderAsync(p, 640);
      expect(sliced.data.equals(b.data)).toBe(true);
    }
    expect(worker.fallbackReason()).toBeNull();
  });

  it('a frame split into bands over several workers is byte for byte the whole-frame render, at any size', async () => {
    const here = new SimCamera(scene);
    for (const count of [1, 2, 3]) {
      const w = new RenderWorker(scene, undefined, count);
      const cam = new SimCamera(scene, undefined, w);
      for (const edge of [640, 100, 16]) {
        const p = pose(-135 + 40 * count, 12, 5);
        const a = await cam.renderAsync(p, edge);
        expect(a.data.equals(here.render(p, edge).data), `${count} workers, ${edge} px`).toBe(true);
      }
      expect(w.fallbackReason()).toBeNull();
      await w.close();
    }
  });

  it('the interpolated kernel matches the exact projection (grid 1 = every pixel exact) to a fraction of a grey level', () => {
    const k = { width: 640, height: 360, fx: 320, fy: 320, cx: 320, cy: 180 };
    for (const p of [pose(30, 0), pose(180, 38, -15), pose(-170, -38)]) {
      const r = cameraRotation(p);
      const exact = new Uint8Array(640 * 360 * 3);
      const fast = new Uint8Array(640 * 360 * 3);
      renderCameraRows(scene.data, scene.width, scene.height, r, k, exact, 0, 360, 1);
      renderCameraRows(scene.data, scene.width, scene.height, r, k, fast, 0, 360, 8);
      let sum = 0;
      for (let i = 0; i < exact.length; i++) sum += Math.abs(exact[i] - fast[i]);
      expect(sum / exact.length).toBeLessThan(0.5);
    }
  });

  it('falls back to this thread after the worker is gone, with the same picture', async () => {
    const w = new RenderWorker(scene);
    await w.close();
    const cam = new SimCamera(scene, undefined, w);
    const a = await cam.renderAsync(pose(45, 10), 320);
    expect(a.data.equals(new SimCamera(scene).render(pose(45, 10), 320).data)).toBe(true);
  });
});
