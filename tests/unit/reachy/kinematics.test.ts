import { describe, expect, it } from 'vitest';
import {
  DEG,
  automaticBodyYaw,
  forwardKinematics,
  headIk,
  identity4,
  interpolatePose,
  lookAtWorldPose,
  mat4ToPose,
  mulMat3Vec,
  poseToMat4,
  rotationOf,
  timeTrajectory,
  yawOf,
} from '../../../src/main/reachy/kinematics';

const pose = (o: Partial<Record<'x' | 'y' | 'z' | 'roll' | 'pitch' | 'yaw', number>>) =>
  poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0, ...o });

// Reference reachy-mini-daemon.md §6.4 (automatic body yaw, body target 0 unless noted).
const VECTORS: Array<[string, number[], number, number[]]> = [
  ['identity', identity4(), 0, [0.0, 0.6265, -0.6265, 0.6265, -0.6265, 0.6265, -0.6265]],
  ['pitch +20°', pose({ pitch: 20 * DEG }), 0, [0.0, 0.4808, -0.5556, 0.8791, -0.8791, 0.5556, -0.4808]],
  ['roll +30°', pose({ roll: 30 * DEG }), 0, [0.0, 0.8928, -1.0333, 0.7189, -0.5571, 0.3381, -0.3717]],
  ['yaw +30°', pose({ yaw: 30 * DEG }), 0, [0.0, 0.8191, -0.5284, 0.8191, -0.5284, 0.8191, -0.5284]],
  ['yaw +80° (body dragged to 15°)', pose({ yaw: 80 * DEG }), 0, [0.2618, 1.0921, -0.5916, 1.0921, -0.5916, 1.0921, -0.5916]],
  ['identity, body_yaw +45°', identity4(), 45 * DEG, [0.7854, 0.5295, -0.9335, 0.5295, -0.9335, 0.5295, -0.9335]],
  ['z +10 mm', pose({ z: 0.01 }), 0, [0.0, 0.8746, -0.8746, 0.8746, -0.8746, 0.8746, -0.8746]],
];

describe('analytic head IK', () => {
  for (const [name, p, body, expected] of VECTORS) {
    it(`matches the reference vector for ${name} to 1e-3 rad`, () => {
      const r = headIk(p, body, true);
      expect(r.reachable).toBe(true);
      r.joints.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-3));
    });
  }

  it('reports pitch +60° and z +30 mm as unreachable (NaN), as the daemon', () => {
    const pitch = headIk(pose({ pitch: 60 * DEG }), 0, true);
    expect(pitch.reachable).toBe(false);
    expect(Number.isNaN(pitch.joints[3]) && Number.isNaN(pitch.joints[4])).toBe(true);
    const z = headIk(pose({ z: 0.03 }), 0, true);
    expect(z.joints.slice(1).every(Number.isNaN)).toBe(true);
  });

  it('uses the body yaw as given when automatic body yaw is off', () => {
    expect(headIk(pose({ yaw: 80 * DEG }), 0, false).joints[0]).toBe(0);
  });
});

describe('automatic body-yaw rule', () => {
  it('drags the body when the head is more than 65° away and clamps to ±160°', () => {
    expect(automaticBodyYaw(pose({ yaw: 30 * DEG }), 0)).toBeCloseTo(0, 12);
    expect(automaticBodyYaw(pose({ yaw: 80 * DEG }), 0)).toBeCloseTo(15 * DEG, 12);
    expect(automaticBodyYaw(pose({ yaw: -100 * DEG }), 0)).toBeCloseTo(-35 * DEG, 12);
    expect(automaticBodyYaw(pose({ yaw: 170 * DEG }), 170 * DEG)).toBeCloseTo(160 * DEG, 12);
    expect(automaticBodyYaw(identity4(), 100 * DEG)).toBeCloseTo(65 * DEG, 12);
  });
});

describe('goto time curves', () => {
  const us = [0, 0.1, 0.25, 0.5, 0.7, 0.9, 1];
  it('linear and min-jerk follow the reference formulas', () => {
    for (const u of us) {
      expect(timeTrajectory(u, 'linear')).toBeCloseTo(u, 12);
      expect(timeTrajectory(u, 'minjerk')).toBeCloseTo(10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5, 12);
    }
  });
  it('ease_in_out follows the reference formula', () => {
    for (const u of us) expect(timeTrajectory(u, 'ease_in_out')).toBeCloseTo(u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2, 12);
  });
  it('cartoon is the back-ease in-out and overshoots outside [0, 1]', () => {
    const c2 = 1.70158 * 1.525;
    for (const u of us) {
      const e = u < 0.5 ? ((2 * u) ** 2 * ((c2 + 1) * 2 * u - c2)) / 2 : ((2 * u - 2) ** 2 * ((c2 + 1) * (2 * u - 2) + c2) + 2) / 2;
      expect(timeTrajectory(u, 'cartoon')).toBeCloseTo(e, 12);
    }
    expect(timeTrajectory(0.1, 'cartoon')).toBeLessThan(0);
    expect(timeTrajectory(0.9, 'cartoon')).toBeGreaterThan(1);
    for (const m of ['linear', 'minjerk', 'ease_in_out', 'cartoon'] as const) {
      expect(timeTrajectory(0, m)).toBeCloseTo(0, 12);
      expect(timeTrajectory(1, m)).toBeCloseTo(1, 12);
    }
  });
});

describe('pose interpolation (yaw as a scalar)', () => {
  it('hits both ends and interpolates translation linearly', () => {
    const a = pose({ x: 0.01, pitch: 0.2, yaw: -0.5 });
    const b = pose({ z: -0.02, roll: 0.1, yaw: 1.0 });
    interpolatePose(a, b, 0).forEach((v, i) => expect(v).toBeCloseTo(a[i], 9));
    interpolatePose(a, b, 1).forEach((v, i) => expect(v).toBeCloseTo(b[i], 9));
    const mid = interpolatePose(a, b, 0.5);
    expect(mid[3]).toBeCloseTo(0.005, 12);
    expect(mid[11]).toBeCloseTo(-0.01, 12);
  });

  it('turns a big yaw "through the front" (yaw interpolated as a number, not the short way)', () => {
    const a = pose({ yaw: -150 * DEG });
    const b = pose({ yaw: 150 * DEG });
    expect(yawOf(interpolatePose(a, b, 0.5))).toBeCloseTo(0, 9);
  });
});

describe('look_at_world', () => {
  it('points +x at the target and keeps translation zero', () => {
    for (const [x, y, z] of [
      [1, 0, 0],
      [1, 1, 0],
      [0.5, -0.2, 0.3],
      [0, 0, -1],
      [-1, 0, 0],
    ]) {
      const m = lookAtWorldPose(x, y, z);
      const n = Math.hypot(x, y, z);
      const fwd = mulMat3Vec(rotationOf(m), [1, 0, 0]);
      expect(fwd[0]).toBeCloseTo(x / n, 9);
      expect(fwd[1]).toBeCloseTo(y / n, 9);
      expect(fwd[2]).toBeCloseTo(z / n, 9);
      expect([m[3], m[7], m[11]]).toEqual([0, 0, 0]);
    }
  });

  it('looking left is a pure yaw, looking down a positive pitch', () => {
    expect(mat4ToPose(lookAtWorldPose(1, 1, 0)).yaw).toBeCloseTo(45 * DEG, 9);
    const down = mat4ToPose(lookAtWorldPose(1, 0, -1));
    expect(down.pitch).toBeCloseTo(45 * DEG, 9);
    expect(down.roll).toBeCloseTo(0, 9);
    expect(lookAtWorldPose(0, 0, 0)).toEqual(identity4());
  });
});

describe('forward kinematics (numeric)', () => {
  it('inverts the IK to 1e-9 for reachable poses, from the neutral guess', () => {
    for (const o of [
      { x: 0.01, y: -0.005, z: 0.003, roll: 0.1, pitch: 0.3, yaw: 0.4 },
      { x: 0, y: 0, z: -0.02, roll: -0.2, pitch: -0.1, yaw: -0.6 },
      { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 80 * DEG },
    ]) {
      const p = pose(o);
      const f = forwardKinematics(headIk(p, 0, true).joints, identity4());
      expect(f).not.toBeNull();
      f!.forEach((v, i) => expect(Math.abs(v - p[i])).toBeLessThan(1e-9));
    }
  });

  it('answers null for joints no pose produces', () => {
    expect(forwardKinematics([0, 3, 3, 3, 3, 3, 3], identity4())).toBeNull();
    expect(forwardKinematics([0, 1, 2], identity4())).toBeNull();
  });
});
