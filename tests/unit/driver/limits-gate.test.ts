import { describe, expect, it } from 'vitest';
import { assertSafePath, assertSafeTarget } from '../../../src/main/driver/gate';
import { angleDiffDeg, checkRange } from '../../../src/main/driver/limits';
import { headPoseFromDeg, headPoseView, rotatePoseZ } from '../../../src/main/driver/pose';
import { deg2rad, poseToMat4 } from '../../../src/shared/kinematics';

const pose = (p: Partial<{ pitch: number; roll: number; yaw: number; x_mm: number; y_mm: number; z_mm: number }>) =>
  headPoseFromDeg({ pitch: 0, roll: 0, yaw: 0, x_mm: 0, y_mm: 0, z_mm: 0, ...p });

describe('limits', () => {
  it('uses the agent-facing message form', () => {
    expect(() => checkRange('pitch', 40, { min: -30, max: 30 })).toThrow('pitch=40 outside safe range [-30, 30]');
    expect(() => checkRange('pitch', Number.NaN, { min: -30, max: 30 })).toThrow(/pitch=NaN/);
    expect(() => checkRange('pitch', 30, { min: -30, max: 30 })).not.toThrow();
  });

  it('computes signed angle differences across the ±180 seam', () => {
    expect(angleDiffDeg(170, -170)).toBeCloseTo(-20);
    expect(angleDiffDeg(-170, 170)).toBeCloseTo(20);
    expect(angleDiffDeg(10, 0)).toBeCloseTo(10);
  });
});

describe('final gate', () => {
  it('accepts edge values and rejects anything beyond, naming the derived field', () => {
    expect(() => assertSafeTarget({ headPose: pose({ pitch: 30, roll: -30, yaw: 45 }) }, 0)).not.toThrow();
    expect(() => assertSafeTarget({ headPose: pose({ z_mm: 20 }) }, 0)).not.toThrow();
    expect(() => assertSafeTarget({ headPose: pose({ pitch: 31 }) }, 0)).toThrow(/pitch=31 outside safe range/);
    expect(() => assertSafeTarget({ headPose: pose({ x_mm: 51 }) }, 0)).toThrow(/x_mm=51/);
    expect(() => assertSafeTarget({ bodyYaw: deg2rad(161) }, 0)).toThrow(/body_yaw_deg=161/);
    expect(() => assertSafeTarget({ antennas: [0, deg2rad(-81)] }, 0)).toThrow(/left=-81/);
    expect(() => assertSafeTarget({ durationS: 31 }, 0)).toThrow(/duration_s=31/);
  });

  it('checks the head–body yaw difference against the body yaw it is given', () => {
    expect(() => assertSafeTarget({ headPose: pose({ yaw: 40 }) }, deg2rad(-30))).toThrow(/head_body_yaw_diff_deg=70/);
    expect(() => assertSafeTarget({ headPose: pose({ yaw: 40 }) }, deg2rad(-20))).not.toThrow();
    expect(() => assertSafeTarget({ headPose: pose({ yaw: 40 }), bodyYaw: deg2rad(100) }, 0)).not.toThrow();
    expect(() => assertSafeTarget({ headPose: pose({}) }, null)).toThrow(/no observed body yaw/);
  });

  it('a body turn carries the head: rotation keeps pitch/roll and adds the turn to yaw', () => {
    const m = rotatePoseZ(pose({ pitch: 10, roll: 5, yaw: 20, x_mm: 10 }), deg2rad(90));
    const v = headPoseView(m);
    expect(v.rpy_deg.pitch).toBeCloseTo(10, 3);
    expect(v.rpy_deg.roll).toBeCloseTo(5, 3);
    expect(v.rpy_deg.yaw).toBeCloseTo(110, 3);
    expect(v.xyz_mm.y).toBeCloseTo(10, 3);
  });
});

describe('the daemon must have nothing to alter', () => {
  it('checks the head–body offset in the daemon\'s yaw convention too (a tilted head)', () => {
    // rpy yaw 28° with pitch and roll 30°: the daemon's automatic rule sees about 10°; both must be within 65°.
    expect(() => assertSafeTarget({ headPose: pose({ yaw: 28, pitch: 30, roll: 30 }) }, deg2rad(-40))).toThrow(/heading 28° would be 68° from the body yaw -40°/);
    // rpy yaw 20°, pitch 30°, roll −30°: rpy offset 60° is fine but the daemon's yaw is past 65° from the body.
    expect(() => assertSafeTarget({ headPose: pose({ yaw: 20, pitch: 30, roll: -30 }) }, deg2rad(-40))).toThrow(/the daemon's yaw is/);
  });

  it('refuses a pose the Stewart platform cannot reach, naming what to reduce', () => {
    expect(() => assertSafeTarget({ headPose: pose({ z_mm: 40 }) }, 0)).toThrow(/cannot reach this pose .*reduce z_mm/);
    expect(() => assertSafeTarget({ headPose: pose({ y_mm: 50 }) }, 0)).toThrow(/Stewart motor \d would leave its range/);
  });
});

describe('interpolated moves are checked along the way', () => {
  it('refuses a long body turn that passes a tilted head beyond 65° in the daemon\'s reading, though both ends are within', () => {
    const tilted = pose({ yaw: 60, pitch: 30, roll: -30 });
    const at = (bodyDeg: number) => ({ head: rotatePoseZ(tilted, deg2rad(bodyDeg)), bodyYaw: deg2rad(bodyDeg) });
    // Both ends pass the target gate (about 60.5° and 61.2° in the daemon's reading)...
    expect(() => assertSafeTarget({ headPose: at(-160).head }, deg2rad(-160))).not.toThrow();
    expect(() => assertSafeTarget({ headPose: at(45).head }, deg2rad(45))).not.toThrow();
    // ...but half way (body near −90°) the daemon would read about 74° and drag the body.
    expect(() => assertSafePath(at(-160), at(45), { what: 'set_body_yaw' })).toThrow(/set_body_yaw: on the way .* outside safe range \[-65, 65\]/);
    // A level head makes the same turn fine.
    const level = (b: number) => ({ head: rotatePoseZ(pose({ yaw: 60 }), deg2rad(b)), bodyYaw: deg2rad(b) });
    expect(() => assertSafePath(level(-160), level(45))).not.toThrow();
  });
});

describe('head heading past ±180° (the daemon rule does not wrap)', () => {
  it('refuses a target whose heading wraps even though the wrapped offset looks small', () => {
    // body −160°, head −45° relative → heading −205° = +155° after atan2; the daemon sees 315° and would swing the body.
    const pose = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: deg2rad(-205) });
    expect(() => assertSafeTarget({ headPose: pose }, deg2rad(-160))).toThrow(/cross ±180°/);
    // The same offset away from the seam is fine.
    const ok = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: deg2rad(-100) });
    expect(() => assertSafeTarget({ headPose: ok }, deg2rad(-60))).not.toThrow();
  });
});
