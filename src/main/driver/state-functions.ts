/** State reads: get_status, get_joints, get_imu, get_body_yaw (docs/PRIOR-ART.md §B.2 shapes, plus the observed pose). */
import { errorMessage } from '../../shared/errors';
import { z } from 'zod';
import { rad2deg } from '../../shared/kinematics';
import type { DeviceFunction } from '../mesh';
import { declare, type DriverContext } from './context';
import { withTimeout } from './motion';
import { headPoseView, roundDeg } from './pose';

const noParams = z.object({}).strict();

export function stateFunctions(ctx: DriverContext): DeviceFunction[] {
  const { daemon, mirror } = ctx;
  return [
    declare({
      name: 'get_status',
      description:
        'Robot and driver status. Returns {daemon: the robot daemon status document (or {error} when unreachable), ' +
        'driver_state: the state mirror (command_owner, lease_active, lease_remaining_s, interlock_state ' +
        '"safe"|"tripped" with interlock_reason, execution_state "idle"|"moving"|"error", active_move, target_pose, ' +
        'current_pose with head pose in degrees/mm and body yaw, daemon_link, last_error), link: daemon link status}. ' +
        'Call it before moving to see who holds the lease and whether the interlock is tripped.',
      params: noParams,
      handler: async () => {
        let doc: unknown;
        try {
          doc = await withTimeout(daemon.daemonStatus(), 2000, 'daemon status did not answer within 2 s');
        } catch (e) {
          doc = { error: errorMessage(e) };
        }
        const link = daemon.connection();
        return {
          daemon: doc,
          driver_state: mirror.snapshot(),
          link: { status: link.status, transport: link.transport, error: link.error ?? null },
        };
      },
    }),
    declare({
      name: 'get_joints',
      description:
        'Latest joint positions from the robot stream, in degrees: head_degrees [body_yaw, stewart_1..6], ' +
        'antenna_degrees [left, right], body_yaw_deg/body_yaw_rad, and head_pose (world frame: rpy_deg roll/pitch/yaw, ' +
        'xyz_mm, 4x4 matrix in metres). Returns {status:"error", reason:"no joint data"} before the first sample.',
      params: noParams,
      handler: () => {
        const s = daemon.latestState();
        if (!s) return { status: 'error', reason: 'no joint data' };
        return {
          status: 'success',
          head_degrees: s.headJoints ? s.headJoints.map((j) => roundDeg(rad2deg(j))) : null,
          antenna_degrees: [roundDeg(rad2deg(s.antennas[1])), roundDeg(rad2deg(s.antennas[0]))],
          body_yaw_deg: roundDeg(rad2deg(s.bodyYaw)),
          body_yaw_rad: s.bodyYaw,
          head_pose: headPoseView(s.headPose),
          received_at: s.receivedAt / 1000,
        };
      },
    }),
    declare({
      name: 'get_imu',
      description:
        'Latest IMU sample of the head: accelerometer [x,y,z] m/s², gyroscope [x,y,z] rad/s, quaternion [w,x,y,z], ' +
        'temperature °C. Returns {status:"error", reason:"no IMU data"} when the robot sends none.',
      params: noParams,
      handler: () => {
        const s = daemon.latestState();
        if (!s?.imu) return { status: 'error', reason: 'no IMU data' };
        return { status: 'success', imu: { ...s.imu }, received_at: s.receivedAt / 1000 };
      },
    }),
    declare({
      name: 'get_body_yaw',
      description:
        'Observed body (base) rotation: {status:"success", yaw_rad, yaw_deg}. Positive = turned left, range about ±160°.',
      params: noParams,
      handler: () => {
        const s = daemon.latestState();
        if (!s) return { status: 'error', reason: 'no body yaw data (no state from the daemon yet)', raw: null };
        return { status: 'success', yaw_rad: s.bodyYaw, yaw_deg: roundDeg(rad2deg(s.bodyYaw)) };
      },
    }),
  ];
}
