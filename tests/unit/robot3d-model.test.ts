import { describe, expect, it } from 'vitest';
import { approach, clonePose, legs, NEUTRAL, platformMatrix, type DrawPose } from '../../src/renderer/robot3d/model';
import { HEAD_Z_OFFSET, MOTOR_ARM_LENGTH, ROD_LENGTH } from '../../src/shared/stewart-data';
import { stewartIk } from '../../src/main/reachy/kinematics';
import { poseToMat4, deg2rad } from '../../src/shared/kinematics';

const dist = (a: number[], b: number[]): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const pose = (head: Partial<DrawPose['head']>, bodyYawDeg = 0): DrawPose => ({ ...clonePose(NEUTRAL), head: { ...NEUTRAL.head, ...head }, bodyYawDeg });

describe('3D robot model', () => {
  it('draws every leg as the kinematics has it: 40 mm arm, 85 mm rod ending on the platform anchor', () => {
    for (const p of [pose({}), pose({ yaw: 30, pitch: 10 }), pose({ roll: -15, z: 12 }, 40), pose({ yaw: 80 }, 50)]) {
      for (const leg of legs(p)) {
        expect(dist(leg.motor, leg.armEnd)).toBeCloseTo(MOTOR_ARM_LENGTH, 6);
        expect(dist(leg.armEnd, leg.anchor)).toBeCloseTo(ROD_LENGTH, 6);
      }
    }
  });

  it('uses the observed motor angles when the robot reports them (a different angle moves the arm)', () => {
    const h = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: deg2rad(10), yaw: 0 });
    const ik = stewartIk(h, 0).map((r) => (r * 180) / Math.PI);
    const observed = legs({ ...pose({ pitch: 10 }), stewartDeg: ik });
    const solved = legs(pose({ pitch: 10 }));
    for (let i = 0; i < 6; i++) expect(dist(observed[i].armEnd, solved[i].armEnd)).toBeLessThan(1e-9);
    const off = legs({ ...pose({ pitch: 10 }), stewartDeg: ik.map((a, i) => (i === 0 ? a + 20 : a)) });
    expect(dist(off[0].armEnd, solved[0].armEnd)).toBeGreaterThan(0.01);
  });

  it('puts the head platform HEAD_Z_OFFSET above the base, turned by the world head yaw', () => {
    const m = platformMatrix(pose({ yaw: 90, z: 10 }));
    expect(m[11]).toBeCloseTo(HEAD_Z_OFFSET + 0.01, 9);
    // head x axis (forward) points to world +y (the robot's left) at yaw +90°
    expect(m[4]).toBeCloseTo(1, 9);
  });

  it('eases toward the newest sample, the short way round for angles', () => {
    const cur = pose({ yaw: 170 });
    const goal = pose({ yaw: -170 });
    approach(cur, goal, 0.5);
    expect(Math.abs(cur.head.yaw)).toBeGreaterThan(170); // through 180°, not back through 0°
    let left = Infinity;
    for (let i = 0; i < 60; i++) left = approach(cur, goal, 0.3);
    expect(left).toBeLessThan(0.01);
  });
});
