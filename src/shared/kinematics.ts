/**
 * Rotation math shared by every process (sim, client, driver, panorama, renderer).
 * Conventions (docs/DAEMON.md §6.1): world frame x forward, y left, z up; metres and radians;
 * R = Rz(yaw)·Ry(pitch)·Rx(roll); positive pitch = nose down, positive yaw = turn left.
 * A pose is a 4×4 homogeneous matrix flattened row-major (16 numbers), as the daemon's `{"m": [...]}`.
 */
export type Mat3 = [number, number, number, number, number, number, number, number, number];
export type Mat4 = number[];
export type Vec3 = [number, number, number];

export const DEG = Math.PI / 180;
export const deg2rad = (d: number): number => d * DEG;
export const rad2deg = (r: number): number => r / DEG;

export function identity4(): Mat4 {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
}

/** R = Rz(yaw)·Ry(pitch)·Rx(roll), row-major 3×3. */
export function rpyToMat3(roll: number, pitch: number, yaw: number): Mat3 {
  const cr = Math.cos(roll), sr = Math.sin(roll);
  const cp = Math.cos(pitch), sp = Math.sin(pitch);
  const cy = Math.cos(yaw), sy = Math.sin(yaw);
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

/** Inverse of rpyToMat3 (roll=atan2(m21,m22), pitch=asin(−m20), yaw=atan2(m10,m00)). */
export function mat3ToRpy(m: ArrayLike<number>): { roll: number; pitch: number; yaw: number } {
  const m20 = Math.max(-1, Math.min(1, m[6]));
  return { roll: Math.atan2(m[7], m[8]), pitch: Math.asin(-m20), yaw: Math.atan2(m[3], m[0]) };
}

export interface PoseXyzRpy {
  x: number;
  y: number;
  z: number;
  roll: number;
  pitch: number;
  yaw: number;
}

export function poseToMat4(p: PoseXyzRpy): Mat4 {
  const r = rpyToMat3(p.roll, p.pitch, p.yaw);
  return [r[0], r[1], r[2], p.x, r[3], r[4], r[5], p.y, r[6], r[7], r[8], p.z, 0, 0, 0, 1];
}

export function mat4ToPose(m: Mat4): PoseXyzRpy {
  const rpy = mat3ToRpy(rotationOf(m));
  return { x: m[3], y: m[7], z: m[11], ...rpy };
}

export function rotationOf(m: Mat4): Mat3 {
  return [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
}

export function mulMat3(a: ArrayLike<number>, b: ArrayLike<number>): Mat3 {
  const out = new Array<number>(9) as Mat3;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return out;
}

export function mulMat4(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i * 4 + k] * b[k * 4 + j];
      out[i * 4 + j] = s;
    }
  return out;
}

export function transposeMat3(m: ArrayLike<number>): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

export function mulMat3Vec(m: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

export function rotZ3(angle: number): Mat3 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** Wraps an angle to (−π, π]. */
export function wrapAngle(a: number): number {
  const w = a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
  return w === -Math.PI ? Math.PI : w;
}

/** Yaw of a rotation as the daemon reads it (atan2(R10, R00)). */
export function yawOf(m: Mat4): number {
  return Math.atan2(m[4], m[0]);
}
