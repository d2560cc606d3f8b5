/**
 * Kinematics for the Reachy Mini head, shared by the simulator, the daemon client and the driver (docs/DAEMON.md).
 * Re-exports the rotation conventions of src/shared/kinematics.ts and adds what the daemon computes:
 * analytic Stewart IK (docs/DAEMON.md §6.4), the automatic body-yaw rule (§6.3), look_at_world (§7), goto time curves and
 * the yaw-as-scalar pose interpolation (§6.6), and the wake/sleep reference poses (§6.2).
 */
import type { Interpolation } from './types';
import type { Mat3, Mat4, Vec3 } from '../../shared/kinematics';
import { DEG, mat3ToRpy, mulMat3, rotZ3, rotationOf, transposeMat3 } from '../../shared/kinematics';
import { BRANCHES } from '../../shared/stewart-data';
import { stewartIk } from '../../shared/stewart';

export * from '../../shared/kinematics';
export { BRANCHES, HEAD_Z_OFFSET, MOTOR_ARM_LENGTH, ROD_LENGTH } from '../../shared/stewart-data';
export { stewartIk } from '../../shared/stewart';

// ---- reference constants (daemon backend/abstract.py) ----

export const INIT_HEAD_POSE: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
/** [right, left] rad. */
export const INIT_ANTENNAS: [number, number] = [-0.1745, 0.1745];
export const SLEEP_ANTENNAS: [number, number] = [-3.05, 3.05];
export const SLEEP_HEAD_POSE: Mat4 = [
  0.911, 0.004, 0.413, -0.021, -0.004, 1.0, -0.001, 0.001, -0.413, -0.001, 0.911, -0.044, 0, 0, 0, 1,
];
export const SLEEP_HEAD_JOINTS: number[] = [
  0, -0.9848156658225817, 1.2624661884298831, -0.24390294527381684, 0.20555342557667577, -1.2363885150358267,
  1.0032234352772091,
];
export const MAX_RELATIVE_YAW = 65 * DEG;
export const MAX_BODY_YAW = 160 * DEG;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

// ---- automatic body yaw (RK inverse_kinematics_safe) ----

/**
 * Body yaw the daemon actually uses in automatic mode: the body is dragged along when the head's world yaw is more
 * than 65° away from it, then clamped to ±160°. ψ_h = −atan2(R01, R00) (= head world yaw for a pure-yaw pose).
 */
export function automaticBodyYaw(headPose: Mat4, requestedBodyYaw: number): number {
  const headYaw = -Math.atan2(headPose[1], headPose[0]);
  const b = headYaw - clamp(headYaw - requestedBodyYaw, -MAX_RELATIVE_YAW, MAX_RELATIVE_YAW);
  return clamp(b, -MAX_BODY_YAW, MAX_BODY_YAW);
}

export interface HeadIkResult {
  /** [body_yaw, stewart_1..6]; stewart entries NaN when unreachable. */
  joints: number[];
  reachable: boolean;
}

/**
 * The daemon's `AnalyticalKinematics.ik`: with automatic body yaw the requested body yaw is adjusted by the
 * ±65°/±160° rule first; otherwise it is used as given.
 */
export function headIk(headPose: Mat4, bodyYaw: number, automatic = true): HeadIkResult {
  const beta = automatic ? automaticBodyYaw(headPose, bodyYaw) : bodyYaw;
  const stewart = stewartIk(headPose, beta);
  const joints = [beta, ...stewart];
  return { joints, reachable: joints.every(Number.isFinite) };
}

/**
 * Which Stewart motor (1-6) the pose needs outside its firmware/URDF range, 0 when none, -1 when the analytic IK has
 * no solution at all. `joints` = [body_yaw, stewart_1..6].
 */
export function jointLimitViolation(joints: number[]): number {
  if (!joints.every(Number.isFinite)) return -1;
  if (Math.abs(joints[0]) > MAX_BODY_YAW + 1e-9) return 7;
  for (let i = 0; i < 6; i++) {
    const [lo, hi] = BRANCHES[i].limits;
    if (!(joints[i + 1] >= lo - 1e-9 && joints[i + 1] <= hi + 1e-9)) return i + 1;
  }
  return 0;
}

/**
 * Can the head hold `headPose` (world frame) with the body at `bodyYaw`, the body yaw used as given (no automatic
 * adjustment)? The daemon silently keeps its previous target when the IK fails, so a pose that fails here would
 * never be reached. Returns null when reachable, else a short reason.
 */
export function headReachProblem(headPose: Mat4, bodyYaw: number): string | null {
  const v = jointLimitViolation(headIk(headPose, bodyYaw, false).joints);
  if (v === 0) return null;
  if (v === -1) return 'the Stewart platform has no solution for it';
  if (v === 7) return 'the body yaw is outside ±160°';
  return `Stewart motor ${v} would leave its range`;
}

// ---- look_at_world (SDK vision/look_at.py) ----

/** Rotation taking +x onto the direction (x, y, z); translation zero. Identity for a zero vector. */
export function lookAtWorldPose(x: number, y: number, z: number): Mat4 {
  const n = Math.hypot(x, y, z);
  if (n < 1e-12) return INIT_HEAD_POSE.slice();
  const v: Vec3 = [x / n, y / n, z / n];
  const a: Vec3 = [0, -v[2], v[1]];
  const an = Math.hypot(a[0], a[1], a[2]);
  let r: Mat3;
  if (an < 1e-8) {
    r = v[0] > 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : rotvecToMat3([0, -Math.PI, 0]);
  } else {
    const angle = Math.acos(clamp(v[0], -1, 1));
    r = rotvecToMat3([(a[0] / an) * angle, (a[1] / an) * angle, (a[2] / an) * angle]);
  }
  return mat3ToMat4(r, [0, 0, 0]);
}

// ---- rotation helpers ----

export function mat3ToMat4(r: ArrayLike<number>, t: ArrayLike<number>): Mat4 {
  return [r[0], r[1], r[2], t[0], r[3], r[4], r[5], t[1], r[6], r[7], r[8], t[2], 0, 0, 0, 1];
}

/** Rodrigues: rotation vector → rotation matrix. */
export function rotvecToMat3(v: ArrayLike<number>): Mat3 {
  const th = Math.hypot(v[0], v[1], v[2]);
  if (th < 1e-12) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const kx = v[0] / th, ky = v[1] / th, kz = v[2] / th;
  const c = Math.cos(th), s = Math.sin(th), t = 1 - c;
  return [
    t * kx * kx + c, t * kx * ky - s * kz, t * kx * kz + s * ky,
    t * kx * ky + s * kz, t * ky * ky + c, t * ky * kz - s * kx,
    t * kx * kz - s * ky, t * ky * kz + s * kx, t * kz * kz + c,
  ];
}

/** Rotation matrix → unit quaternion [w, x, y, z] with w ≥ 0. */
export function mat3ToQuat(m: ArrayLike<number>): [number, number, number, number] {
  const tr = m[0] + m[4] + m[8];
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s; x = (m[7] - m[5]) / s; y = (m[2] - m[6]) / s; z = (m[3] - m[1]) / s;
  } else if (m[0] > m[4] && m[0] > m[8]) {
    const s = Math.sqrt(1 + m[0] - m[4] - m[8]) * 2;
    w = (m[7] - m[5]) / s; x = 0.25 * s; y = (m[1] + m[3]) / s; z = (m[2] + m[6]) / s;
  } else if (m[4] > m[8]) {
    const s = Math.sqrt(1 + m[4] - m[0] - m[8]) * 2;
    w = (m[2] - m[6]) / s; x = (m[1] + m[3]) / s; y = 0.25 * s; z = (m[5] + m[7]) / s;
  } else {
    const s = Math.sqrt(1 + m[8] - m[0] - m[4]) * 2;
    w = (m[3] - m[1]) / s; x = (m[2] + m[6]) / s; y = (m[5] + m[7]) / s; z = 0.25 * s;
  }
  const n = Math.hypot(w, x, y, z) || 1;
  const sg = w < 0 ? -1 : 1;
  return [(sg * w) / n, (sg * x) / n, (sg * y) / n, (sg * z) / n];
}

/** Rotation matrix → rotation vector (log map). */
export function mat3ToRotvec(m: ArrayLike<number>): Vec3 {
  const [w, x, y, z] = mat3ToQuat(m);
  const sn = Math.hypot(x, y, z);
  if (sn < 1e-12) return [0, 0, 0];
  const angle = 2 * Math.atan2(sn, w);
  return [(x / sn) * angle, (y / sn) * angle, (z / sn) * angle];
}

/** Angle (rad) of the relative rotation between two rotation matrices. */
export function rotationAngleBetween(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const v = mat3ToRotvec(mulMat3(transposeMat3(a), b));
  return Math.hypot(v[0], v[1], v[2]);
}

/** The daemon's `distance_between_poses`: translation (m), angle (rad), and "magic" = mm + degrees. */
export function distanceBetweenPoses(a: Mat4, b: Mat4): { translation: number; angle: number; magic: number } {
  const translation = Math.hypot(a[3] - b[3], a[7] - b[7], a[11] - b[11]);
  const angle = rotationAngleBetween(rotationOf(a), rotationOf(b));
  return { translation, angle, magic: translation * 1000 + angle / DEG };
}

// ---- goto interpolation (utils/interpolation.py) ----

const C1 = 1.70158;
const C2 = C1 * 1.525;

/** Time warp s(u) for u ∈ [0, 1]; u outside is clamped (the daemon raises; we never pass it outside). */
export function timeTrajectory(u: number, method: Interpolation): number {
  const t = clamp(u, 0, 1);
  switch (method) {
    case 'linear':
      return t;
    case 'minjerk':
      return 10 * t ** 3 - 15 * t ** 4 + 6 * t ** 5;
    case 'ease_in_out':
      return t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
    case 'cartoon':
      return t < 0.5
        ? ((2 * t) ** 2 * ((C2 + 1) * 2 * t - C2)) / 2
        : ((2 * t - 2) ** 2 * ((C2 + 1) * (2 * t - 2) + C2) + 2) / 2;
  }
}

/**
 * `linear_pose_interpolation(start, target, s, yaw_as_scalar=True)`: translation linear; yaw interpolated as a
 * signed scalar (so big turns go "through the front"), the residual rotation Rz(−yaw)·R slerped.
 */
export function interpolatePose(start: Mat4, target: Mat4, s: number): Mat4 {
  const r0 = rotationOf(start), r1 = rotationOf(target);
  const y0 = mat3ToRpy(r0).yaw, y1 = mat3ToRpy(r1).yaw;
  const res0 = mulMat3(rotZ3(-y0), r0);
  const res1 = mulMat3(rotZ3(-y1), r1);
  const delta = mat3ToRotvec(mulMat3(transposeMat3(res0), res1));
  const rs = mulMat3(mulMat3(rotZ3(y0 + (y1 - y0) * s), res0), rotvecToMat3([delta[0] * s, delta[1] * s, delta[2] * s]));
  const t = [start[3] + (target[3] - start[3]) * s, start[7] + (target[7] - start[7]) * s, start[11] + (target[11] - start[11]) * s];
  return mat3ToMat4(rs, t);
}

export const lerp = (a: number, b: number, s: number): number => a + (b - a) * s;

/** True when every entry is a finite number and the matrix has 16 entries with a last row 0 0 0 1 (±1e-6). */
export function isRigidPose(m: ArrayLike<number>): boolean {
  if (m.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (!Number.isFinite(m[i])) return false;
  return Math.abs(m[12]) < 1e-6 && Math.abs(m[13]) < 1e-6 && Math.abs(m[14]) < 1e-6 && Math.abs(m[15] - 1) < 1e-6;
}

// ---- forward kinematics (numeric, as the daemon's is) ----

function solve6(a: number[][], b: number[]): number[] | null {
  const n = 6;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-14) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / m[i][i]);
}

/**
 * World head pose for joints [body_yaw, stewart_1..6]: Newton iterations on the analytic IK from `guess`
 * (the current pose), like the daemon's numeric FK. Returns null when it does not converge (no such pose).
 */
export function forwardKinematics(joints: number[], guess: Mat4 = INIT_HEAD_POSE): Mat4 | null {
  if (joints.length !== 7 || !joints.every(Number.isFinite)) return null;
  const beta = joints[0];
  const target = joints.slice(1);
  const g = mat3ToRpy(rotationOf(guess));
  let p = [guess[3], guess[7], guess[11], g.roll, g.pitch, g.yaw];
  const toPose = (q: number[]): Mat4 => {
    const cr = Math.cos(q[3]), sr = Math.sin(q[3]), cp = Math.cos(q[4]), sp = Math.sin(q[4]), cy = Math.cos(q[5]), sy = Math.sin(q[5]);
    return [
      cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr, q[0],
      sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr, q[1],
      -sp, cp * sr, cp * cr, q[2],
      0, 0, 0, 1,
    ];
  };
  const residual = (q: number[]): number[] => {
    const th = stewartIk(toPose(q), beta);
    return th.map((v, i) => {
      const d = v - target[i];
      return d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
    });
  };
  const norm = (v: number[]): number => Math.hypot(...v);
  let r = residual(p);
  for (let it = 0; it < 30 && !(norm(r) < 1e-10); it++) {
    if (!r.every(Number.isFinite)) return null;
    const h = 1e-7;
    const jac: number[][] = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
    for (let k = 0; k < 6; k++) {
      const q = p.slice();
      q[k] += h;
      const rk = residual(q);
      for (let i = 0; i < 6; i++) jac[i][k] = (rk[i] - r[i]) / h;
    }
    const dp = solve6(jac, r.map((v) => -v));
    if (!dp || !dp.every(Number.isFinite)) return null;
    // Damped step: halve until the residual decreases (and stays solvable).
    let step = 1;
    let accepted = false;
    for (let ls = 0; ls < 12; ls++, step /= 2) {
      const q = p.map((v, i) => v + step * dp[i]);
      const rq = residual(q);
      if (rq.every(Number.isFinite) && norm(rq) < norm(r)) {
        p = q;
        r = rq;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
  }
  return norm(r) < 1e-6 ? toPose(p) : null;
}
