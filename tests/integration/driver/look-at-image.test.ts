/** look_at_image: a pixel of the head camera becomes a look_at_world target through look_at_world's own checks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './stack';
import { cameraRotation, SIM_CAMERA, worldDirToPixel } from '../../../src/shared/camera-model';
import { deg2rad, poseToMat4, type Vec3 } from '../../../src/shared/kinematics';

let stack: Stack;
const ID = 'reachy-lai-1';
type Reply = Record<string, unknown> & { status: string; observed: { head_pose: { rpy_deg: { yaw: number; pitch: number } }; body_yaw_deg: number } };
const call = (fn: string, params: Record<string, unknown>) => stack.client.invoke(ID, fn, params) as Promise<Reply>;

beforeAll(async () => {
  stack = await startStack({ deviceId: ID });
  await call('look_at_world', { pitch: 0, yaw: 0, duration_s: 0.2, wait: true });
}, 30_000);
afterAll(async () => stack?.close());

/** Where a fixed world direction lands in the image for an observed head pose. */
function pixelOf(dir: Vec3, yawDeg: number, pitchDeg: number): { u: number; v: number } | null {
  return worldDirToPixel(SIM_CAMERA, cameraRotation(poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: deg2rad(pitchDeg), yaw: deg2rad(yawDeg) })), dir);
}

describe('look_at_image', { timeout: 30_000 }, () => {
  it('turns the head so the clicked feature comes to the image centre', async () => {
    // A feature right of centre and a bit low: (960, 460) in the 1280×720 image, seen from the neutral pose.
    const feature: Vec3 = (() => {
      const x = 1, y = -(960 - 640) / 640, z = -(460 - 360) / 640;
      const n = Math.hypot(x, y, z);
      return [x / n, y / n, z / n];
    })();
    const r = await call('look_at_image', { u: 960, v: 460, duration_s: 0.3, wait: true });
    expect(r.status).toBe('completed');
    const obs = r.observed.head_pose.rpy_deg;
    expect(obs.yaw).toBeCloseTo(-26.57, 0);
    expect(obs.pitch).toBeCloseTo(7.96, 1); // asin(0.156 / |(1, -0.5, -0.156)|)
    const px = pixelOf(feature, obs.yaw, obs.pitch)!;
    expect(Math.hypot(px.u - 640, px.v - 360), `feature now at (${px.u.toFixed(0)}, ${px.v.toFixed(0)})`).toBeLessThan(15);
    // the same pixel in a half-size image (the console's video) means the same direction
    await call('look_at_world', { pitch: 0, yaw: 0, duration_s: 0.2, wait: true });
    const half = await call('look_at_image', { u: 480, v: 230, width: 640, duration_s: 0.3, wait: true });
    expect(half.observed.head_pose.rpy_deg.yaw).toBeCloseTo(-26.57, 0);
  });

  it('is refused by look_at_world\'s own limits, and by its own pixel range, and moves nothing then', async () => {
    await call('look_at_world', { pitch: 0, yaw: 0, duration_s: 0.2, wait: true });
    await call('look_at_image', { u: 0, v: 360, duration_s: 0.2, wait: true }); // 45° left: the edge of the yaw range
    await expect(call('look_at_image', { u: 0, v: 360, duration_s: 0.2 })).rejects.toThrow(/yaw=90 outside safe range \[-45, 45\]/);
    await expect(call('look_at_image', { u: 1500, v: 10 })).rejects.toThrow(/u=1500 outside safe range \[0, 1280\]/);
    await expect(call('look_at_image', { u: 'left', v: 10 })).rejects.toThrow(/u must be/);
    const j = (await stack.client.invoke(ID, 'get_status', {})) as { driver_state: { current_pose: { head_pose: { rpy_deg: { yaw: number } } } } };
    expect(j.driver_state.current_pose.head_pose.rpy_deg.yaw).toBeCloseTo(45, 0);
  });

  it('follows a turned body: the pixel is aimed from where the head really looks', async () => {
    await call('set_body_yaw', { yaw_deg: 90, duration_s: 0.3, wait: true, head: 'follow' });
    await call('look_at_world', { pitch: 0, yaw: 0, frame: 'body', duration_s: 0.3, wait: true });
    const r = await call('look_at_image', { u: 640 - 320, v: 360, duration_s: 0.3, wait: true });
    expect(r.observed.head_pose.rpy_deg.yaw).toBeCloseTo(90 + 26.57, 0);
  });
});
