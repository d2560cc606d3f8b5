/** Public surface of the Reachy daemon client (docs/DAEMON.md). */
export * from './types';
export { createDaemonClient } from './client';
export type { DaemonClientOptions } from './client';
export { resolveTarget, parseTargetString, targetForSimulator, transportModeFromEnv, makeTarget, SIM_TARGET } from './target';
export type { TargetInput } from './target';
export { browseRobots, discoverRobots, resolveLocalName } from './discovery';
export type { DiscoveredRobot, RobotBrowser } from './discovery';
export * as kinematics from './kinematics';
export { BRANCHES, DEG, INIT_ANTENNAS, INIT_HEAD_POSE, MAX_BODY_YAW, type Mat4, SLEEP_ANTENNAS, SLEEP_HEAD_POSE, distanceBetweenPoses, forwardKinematics, headIk, headReachProblem, jointLimitViolation, interpolatePose, lerp, mat3ToQuat, mat3ToRotvec, mat4ToPose, mulMat3, mulMat3Vec, poseToMat4, rotationOf, timeTrajectory, transposeMat3 } from './kinematics';
export * from './target';
export { restCall } from './rest';
