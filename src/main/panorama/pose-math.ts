/**
 * From scan poses (degrees) to the camera orientation the stitcher needs. The head pose is in the world frame
 * (docs/DAEMON.md §6.1: it includes the body rotation), so a pose commanded with look_at_world frame:"body" has world
 * yaw = body yaw + head yaw.
 */
import { R_HEAD_CAM } from '../../shared/camera-model';
import type { Mat3 } from '../../shared/kinematics';
import { deg2rad, mulMat3, rpyToMat3 } from '../../shared/kinematics';

export interface WorldHeadOrientation {
  rollDeg: number;
  pitchDeg: number;
  /** World yaw of the head (body yaw + head yaw relative to the body). */
  yawDeg: number;
}

export function headRotation(o: WorldHeadOrientation): Mat3 {
  return rpyToMat3(deg2rad(o.rollDeg), deg2rad(o.pitchDeg), deg2rad(o.yawDeg));
}

export function cameraRotationFromRpy(o: WorldHeadOrientation): Mat3 {
  return mulMat3(headRotation(o), R_HEAD_CAM);
}
