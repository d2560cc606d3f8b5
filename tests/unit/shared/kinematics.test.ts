import { describe, expect, it } from 'vitest';
import { deg2rad, mat3ToRpy, poseToMat4, rpyToMat3, mat4ToPose, wrapAngle } from '../../../src/shared/kinematics';
import { SIM_CAMERA, cameraRotation, dirToEquirect, equirectToDir, pixelToWorldRay, worldDirToPixel } from '../../../src/shared/camera-model';

describe('rpy <-> rotation', () => {
  it('matches the daemon reference example create_head_pose(pitch=10, yaw=20)', () => {
    const r = rpyToMat3(0, deg2rad(10), deg2rad(20));
    const expected = [0.9254, -0.342, 0.1632, 0.3368, 0.9397, 0.0594, -0.1736, 0, 0.9848];
    r.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  it('round-trips roll, pitch, yaw and translation', () => {
    const pose = { x: 0.01, y: -0.02, z: 0.005, roll: 0.3, pitch: -0.2, yaw: 1.1 };
    const back = mat4ToPose(poseToMat4(pose));
    for (const k of Object.keys(pose) as Array<keyof typeof pose>) expect(back[k]).toBeCloseTo(pose[k], 9);
    const rpy = mat3ToRpy(rpyToMat3(0.1, 0.2, -0.3));
    expect([rpy.roll, rpy.pitch, rpy.yaw].map((v) => +v.toFixed(9))).toEqual([0.1, 0.2, -0.3]);
  });

  it('wraps angles into (-pi, pi]', () => {
    expect(wrapAngle(3 * Math.PI)).toBeCloseTo(Math.PI, 12);
    expect(wrapAngle(-Math.PI / 2 - 2 * Math.PI)).toBeCloseTo(-Math.PI / 2, 12);
  });
});

describe('camera model', () => {
  it('looks forward through the principal point at the neutral pose', () => {
    const r = cameraRotation(poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 }));
    const ray = pixelToWorldRay(SIM_CAMERA, r, SIM_CAMERA.cx, SIM_CAMERA.cy);
    expect(ray[0]).toBeCloseTo(1, 12);
    // The right edge of the image is 45° to the robot's right (negative world y).
    const edge = pixelToWorldRay(SIM_CAMERA, r, SIM_CAMERA.width, SIM_CAMERA.cy);
    expect(Math.atan2(edge[1], edge[0])).toBeCloseTo(-Math.PI / 4, 9);
  });

  it('moves a world feature left in the image by fx*tan(10°) when the head yaws 10° right', () => {
    const dir: [number, number, number] = [1, 0, 0];
    const r = cameraRotation(poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: deg2rad(-10) }));
    const p = worldDirToPixel(SIM_CAMERA, r, dir);
    expect(p).not.toBeNull();
    expect(p!.u).toBeCloseTo(SIM_CAMERA.cx - SIM_CAMERA.fx * Math.tan(deg2rad(10)), 6);
    // Pitching the head down (positive pitch) moves the feature up in the image.
    const down = worldDirToPixel(SIM_CAMERA, cameraRotation(poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: deg2rad(10), yaw: 0 })), dir);
    expect(down!.v).toBeLessThan(SIM_CAMERA.cy);
  });

  it('maps equirectangular pixels to directions and back', () => {
    const d = equirectToDir(300.5, 100.5, 2048, 1024);
    const p = dirToEquirect(d, 2048, 1024);
    expect(p.u).toBeCloseTo(300.5, 9);
    expect(p.v).toBeCloseTo(100.5, 9);
    expect(dirToEquirect([1, 0, 0], 2048, 1024)).toEqual({ u: 1024, v: 512 });
  });
});
