/**
 * The Reachy Mini as the 3D view draws it, computed from our own kinematics: the Stewart-platform geometry the
 * driver and simulator use (motor frames, arm and rod lengths, platform anchors), the observed joint angles, the
 * head pose and the body yaw. Everything is in the robot's world frame (x forward, y left, z up, metres): the view
 * keeps that frame (z up) so nothing is converted twice.
 */
import { deg2rad, mulMat4, poseToMat4, type Mat4, type Vec3 } from '../../shared/kinematics';
import { BRANCHES, HEAD_Z_OFFSET, MOTOR_ARM_LENGTH } from '../../shared/stewart-data';
import { stewartIk } from '../../shared/stewart';

/** What the drawing needs of a pose, in degrees and millimetres as the driver reports it. */
export interface DrawPose {
  head: { x: number; y: number; z: number; roll: number; pitch: number; yaw: number };
  bodyYawDeg: number;
  /** [right, left], degrees; 0 = upright. */
  antennasDeg: [number, number];
  /** The six Stewart motor angles in degrees, or null to solve them from the head pose. */
  stewartDeg: number[] | null;
}

export interface Leg {
  motor: Vec3;
  armEnd: Vec3;
  anchor: Vec3;
}

export const NEUTRAL: DrawPose = { head: { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 }, bodyYawDeg: 0, antennasDeg: [0, 0], stewartDeg: null };

/** World-frame head pose (4×4) of a DrawPose: the daemon's convention, the platform HEAD_Z_OFFSET above the base. */
export function headMatrix(p: DrawPose): Mat4 {
  const h = p.head;
  return poseToMat4({ x: h.x / 1000, y: h.y / 1000, z: h.z / 1000, roll: deg2rad(h.roll), pitch: deg2rad(h.pitch), yaw: deg2rad(h.yaw) });
}

/** The platform (head) frame in the world, lifted to where the head actually sits. */
export function platformMatrix(p: DrawPose): Mat4 {
  const m = headMatrix(p).slice();
  m[11] += HEAD_Z_OFFSET;
  return m;
}

const apply = (m: Mat4, v: ArrayLike<number>): Vec3 => [
  m[0] * v[0] + m[1] * v[1] + m[2] * v[2] + m[3],
  m[4] * v[0] + m[5] * v[1] + m[6] * v[2] + m[7],
  m[8] * v[0] + m[9] * v[1] + m[10] * v[2] + m[11],
];

/** Rigid inverse of a row-major 4×4. */
function invRigid(m: Mat4): Mat4 {
  const r = [m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]];
  const t = [m[3], m[7], m[11]];
  return [
    r[0], r[1], r[2], -(r[0] * t[0] + r[1] * t[1] + r[2] * t[2]),
    r[3], r[4], r[5], -(r[3] * t[0] + r[4] * t[1] + r[5] * t[2]),
    r[6], r[7], r[8], -(r[6] * t[0] + r[7] * t[1] + r[8] * t[2]),
    0, 0, 0, 1,
  ];
}

/** Motor frame → base frame (the base turns with the body, so legs are drawn in the base's own frame). */
const MOTOR_TO_BASE = BRANCHES.map((b) => invRigid(b.tMotorWorld));

/**
 * The six legs in the BASE frame (the frame that turns with the body yaw): motor axis, the end of its 40 mm arm
 * at the motor's angle, and the platform anchor the 85 mm rod reaches. With the motor angles the IK gives, each rod
 * is exactly its length: the picture is the kinematics, not an illustration of it.
 */
export function legs(p: DrawPose): Leg[] {
  const yaw = deg2rad(p.bodyYawDeg);
  const c = Math.cos(-yaw), s = Math.sin(-yaw);
  const unYaw: Mat4 = [c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const platformInBase = mulMat4(unYaw, platformMatrix(p));
  const angles = p.stewartDeg && p.stewartDeg.length === 6 && p.stewartDeg.every(Number.isFinite) ? p.stewartDeg.map(deg2rad) : stewartIk(headMatrix(p), yaw);
  return BRANCHES.map((b, i) => {
    const th = Number.isFinite(angles[i]) ? angles[i] : 0;
    const m = MOTOR_TO_BASE[i];
    return {
      motor: apply(m, [0, 0, 0]),
      armEnd: apply(m, [MOTOR_ARM_LENGTH * Math.cos(th), MOTOR_ARM_LENGTH * Math.sin(th), 0]),
      anchor: apply(platformInBase, b.branchPosition),
    };
  });
}

export const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;
/** Shortest-way interpolation of angles in degrees. */
export const diffDeg = (a: number, b: number): number => ((((b - a) % 360) + 540) % 360) - 180;
export const lerpDeg = (a: number, b: number, t: number): number => a + diffDeg(a, b) * t;

/** Moves `cur` toward `goal` by fraction t (exponential smoothing between 20 Hz samples); returns the largest step left. */
export function approach(cur: DrawPose, goal: DrawPose, t: number): number {
  let left = 0;
  const h = cur.head, g = goal.head;
  for (const k of ['x', 'y', 'z'] as const) {
    h[k] = lerp(h[k], g[k], t);
    left = Math.max(left, Math.abs(g[k] - h[k]));
  }
  for (const k of ['roll', 'pitch', 'yaw'] as const) {
    h[k] = lerpDeg(h[k], g[k], t);
    left = Math.max(left, Math.abs(diffDeg(h[k], g[k])));
  }
  cur.bodyYawDeg = lerpDeg(cur.bodyYawDeg, goal.bodyYawDeg, t);
  left = Math.max(left, Math.abs(diffDeg(cur.bodyYawDeg, goal.bodyYawDeg)));
  for (const i of [0, 1] as const) {
    cur.antennasDeg[i] = lerp(cur.antennasDeg[i], goal.antennasDeg[i], t);
    left = Math.max(left, Math.abs(goal.antennasDeg[i] - cur.antennasDeg[i]));
  }
  if (goal.stewartDeg && cur.stewartDeg && cur.stewartDeg.length === goal.stewartDeg.length) {
    cur.stewartDeg = cur.stewartDeg.map((v, i) => lerp(v, goal.stewartDeg![i], t));
  } else {
    cur.stewartDeg = goal.stewartDeg ? goal.stewartDeg.slice() : null;
  }
  return left;
}

export function clonePose(p: DrawPose): DrawPose {
  return { head: { ...p.head }, bodyYawDeg: p.bodyYawDeg, antennasDeg: [p.antennasDeg[0], p.antennasDeg[1]], stewartDeg: p.stewartDeg ? p.stewartDeg.slice() : null };
}
