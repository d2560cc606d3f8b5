import { describe, expect, it, beforeAll } from 'vitest';
import { loadScene } from '../../../src/main/sim/media/scene';
import { SimCamera } from '../../../src/main/sim/media/camera';
import { SIM_CAMERA } from '../../../src/shared/camera-model';
import type { RgbFrame } from '../../../src/main/media/types';
import { yawPose } from './fixture';

/** Centres (continuous pixel coords) of dark vertical-line runs crossing row `v`. */
function darkRuns(f: RgbFrame, v: number): number[] {
  const out: number[] = [];
  let start = -1;
  for (let u = 0; u <= f.width; u++) {
    const i = (v * f.width + u) * 3;
    const dark = u < f.width && 0.299 * f.data[i] + 0.587 * f.data[i + 1] + 0.114 * f.data[i + 2] < 90;
    if (dark && start < 0) start = u;
    if (!dark && start >= 0) {
      out.push((start + u) / 2);
      start = -1;
    }
  }
  return out;
}

const nearest = (xs: number[], x: number): number => xs.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a), Infinity);

describe('simulator camera', () => {
  let cam: SimCamera;
  beforeAll(async () => {
    cam = new SimCamera(await loadScene());
  });

  it('renders 1280x720 by default and smaller when asked', () => {
    const full = cam.render(yawPose(0));
    expect([full.width, full.height]).toEqual([1280, 720]);
    const small = cam.render(yawPose(0), 640);
    expect([small.width, small.height]).toEqual([640, 360]);
  });

  it('a 10° yaw moves the 0° meridian right by fx·tan(10°) and brings the 15° meridian to fx·tan(5°) left of centre', () => {
    const { fx, cx, cy } = SIM_CAMERA;
    const row = Math.round(cy + fx * Math.tan((5 * Math.PI) / 180)); // 5° below the horizon: lines only, no digits
    const a = darkRuns(cam.render(yawPose(0)), row);
    const b = darkRuns(cam.render(yawPose(10)), row);
    const tan = (d: number): number => Math.tan((d * Math.PI) / 180);
    // λ = 0 straight ahead at yaw 0.
    expect(Math.abs(nearest(a, cx) - cx)).toBeLessThan(1);
    // Turning left by 10° moves a fixed feature to the right in the image.
    const expected0 = cx + fx * tan(10);
    expect(Math.abs(nearest(b, expected0) - expected0)).toBeLessThan(1);
    const expected15 = cx - fx * tan(5);
    expect(Math.abs(nearest(b, expected15) - expected15)).toBeLessThan(1);
    // And nothing dark sits at the old place any more.
    expect(Math.abs(nearest(b, cx) - cx)).toBeGreaterThan(50);
  });

  it('frames at two head poses differ; the same pose renders the same frame', () => {
    const a = cam.render(yawPose(5, 3));
    const b = cam.render(yawPose(5, 3));
    const c = cam.render(yawPose(-20, 3));
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data.equals(c.data)).toBe(false);
  });
});

describe('simulator camera, sliced rendering', () => {
  it('renderAsync (yielding between row slices) draws exactly the same picture as render', async () => {
    const cam = new SimCamera(await loadScene());
    const pose = yawPose(12, -7);
    const a = cam.render(pose, 640);
    const b = await cam.renderAsync(pose, 640, a.ts, 37);
    expect(b.data.equals(a.data)).toBe(true);
  });
});
