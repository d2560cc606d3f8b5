/**
 * Conversions between the daemon's units (metres, radians, row-major 4×4 world-frame poses) and the driver's surface
 * (degrees, millimetres), plus the views of the observed robot state that get_joints, get_status and state_event show.
 */
import { deg2rad, mat4ToPose, poseToMat4, rad2deg, rotZ3, rotationOf, type Mat4 } from '../../shared/kinematics';
import type { RobotState } from '../reachy';

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export interface HeadPoseView {
  /** Row-major 4×4, metres, world frame (the daemon's `{"m": [...]}`). */
  matrix: number[];
  rpy_deg: { roll: number; pitch: number; yaw: number };
  xyz_mm: { x: number; y: number; z: number };
}

export function headPoseView(m: Mat4): HeadPoseView {
  const p = mat4ToPose(m);
  return {
    matrix: m.map(r6),
    rpy_deg: { roll: r3(rad2deg(p.roll)), pitch: r3(rad2deg(p.pitch)), yaw: r3(rad2deg(p.yaw)) },
    xyz_mm: { x: r3(p.x * 1000), y: r3(p.y * 1000), z: r3(p.z * 1000) },
  };
}

/** Head pose in the world frame from the driver's degrees/millimetres. */
export function headPoseFromDeg(p: {
  pitch: number;
  roll: number;
  yaw: number;
  x_mm: number;
  y_mm: number;
  z_mm: number;
}): Mat4 {
  return poseToMat4({
    x: p.x_mm / 1000,
    y: p.y_mm / 1000,
    z: p.z_mm / 1000,
    roll: deg2rad(p.roll),
    pitch: deg2rad(p.pitch),
    yaw: deg2rad(p.yaw),
  });
}

/** Rotates a world-frame pose about the world z axis (a body turn carrying the head with it). */
export function rotatePoseZ(m: Mat4, angleRad: number): Mat4 {
  const rz = rotZ3(angleRad);
  const r = rotationOf(m);
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 4 + j] = rz[i * 3] * r[j] + rz[i * 3 + 1] * r[3 + j] + rz[i * 3 + 2] * r[6 + j];
    out[i * 4 + 3] = rz[i * 3] * m[3] + rz[i * 3 + 1] * m[7] + rz[i * 3 + 2] * m[11];
  }
  out[15] = 1;
  return out;
}

export interface ObservedView {
  received_at: number;
  head_pose: HeadPoseView;
  body_yaw_deg: number;
  /** Degrees, named (the daemon's order is [right, left]). */
  antennas_deg: { left: number; right: number };
  /** [body_yaw, stewart_1..6] in degrees; null when the transport carries no joints (http mode). */
  head_joints_deg: number[] | null;
}

export function observedView(s: RobotState): ObservedView {
  return {
    received_at: s.receivedAt,
    head_pose: headPoseView(s.headPose),
    body_yaw_deg: r3(rad2deg(s.bodyYaw)),
    antennas_deg: { left: r3(rad2deg(s.antennas[1])), right: r3(rad2deg(s.antennas[0])) },
    head_joints_deg: s.headJoints ? s.headJoints.map((j) => r3(rad2deg(j))) : null,
  };
}

export const roundDeg = r3;
