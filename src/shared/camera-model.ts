/**
 * The head camera as a pinhole model, and the equirectangular mapping of the simulator's 360° scene.
 * Shared by the simulator's camera (render a view) and the panorama stitcher (reproject views), so that
 * the stitch can be checked against ground truth.
 *
 * Camera (docs/DAEMON.md §7, §9.1): optical frame z forward, x right, y down;
 * T_head_cam rotation [[0,0,1],[-1,0,0],[0,-1,0]] (translation ignored: the scene is at infinity).
 * Simulator intrinsics = the daemon's `generic` specs: 1280×720, K = [[640,0,640],[0,640,360],[0,0,1]], D = 0.
 *
 * Equirectangular scene (W×H): longitude λ = atan2(y, x) in the world frame (0 = forward, +left),
 * latitude φ = asin(z). Column u = W·(0.5 − λ/2π) (the image reads left-to-right as a person at the robot
 * sees the room turning right), row v = H·(0.5 − φ/π). Pixel centres are at +0.5.
 */
import type { Mat3, Mat4, Vec3 } from './kinematics';
import { mulMat3, mulMat3Vec, rotationOf, transposeMat3 } from './kinematics';

export interface Intrinsics {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export const SIM_CAMERA: Intrinsics = { width: 1280, height: 720, fx: 640, fy: 640, cx: 640, cy: 360 };

/** Optical (x right, y down, z forward) → head (x forward, y left, z up). */
export const R_HEAD_CAM: Mat3 = [0, 0, 1, -1, 0, 0, 0, -1, 0];

/** Intrinsics of the same camera downscaled to `width` pixels wide (aspect kept). */
export function scaleIntrinsics(k: Intrinsics, width: number): Intrinsics {
  const s = width / k.width;
  return { width, height: Math.round(k.height * s), fx: k.fx * s, fy: k.fy * s, cx: k.cx * s, cy: k.cy * s };
}

/** Rotation world ← camera optical frame for a world-frame head pose. */
export function cameraRotation(headPose: Mat4): Mat3 {
  return mulMat3(rotationOf(headPose), R_HEAD_CAM);
}

/** Unit ray in the world frame through pixel (u, v) (pixel coordinates, not centres). */
export function pixelToWorldRay(k: Intrinsics, rWorldCam: Mat3, u: number, v: number): Vec3 {
  const d = mulMat3Vec(rWorldCam, [(u - k.cx) / k.fx, (v - k.cy) / k.fy, 1]);
  const n = Math.hypot(d[0], d[1], d[2]);
  return [d[0] / n, d[1] / n, d[2] / n];
}

/** Pixel (u, v) where a world direction lands, or null when it is behind the camera. */
export function worldDirToPixel(k: Intrinsics, rWorldCam: Mat3, dir: Vec3): { u: number; v: number } | null {
  const c = mulMat3Vec(transposeMat3(rWorldCam), dir);
  if (c[2] <= 1e-9) return null;
  return { u: k.fx * (c[0] / c[2]) + k.cx, v: k.fy * (c[1] / c[2]) + k.cy };
}

export function dirToEquirect(dir: Vec3, width: number, height: number): { u: number; v: number } {
  const lon = Math.atan2(dir[1], dir[0]);
  const lat = Math.asin(Math.max(-1, Math.min(1, dir[2] / Math.hypot(dir[0], dir[1], dir[2]))));
  return { u: width * (0.5 - lon / (2 * Math.PI)), v: height * (0.5 - lat / Math.PI) };
}

export function equirectToDir(u: number, v: number, width: number, height: number): Vec3 {
  const lon = (0.5 - u / width) * 2 * Math.PI;
  const lat = (0.5 - v / height) * Math.PI;
  const c = Math.cos(lat);
  return [c * Math.cos(lon), c * Math.sin(lon), Math.sin(lat)];
}
