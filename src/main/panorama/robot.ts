/**
 * The robot as the panorama scan sees it: a thin typed layer over MeshClient.invoke (the only path to the robot).
 * Replies are parsed defensively with zod so a driver that answers in an unexpected shape gives a readable error.
 */
import { z } from 'zod';
import type { MeshClient } from '../mesh';
import { driverCall, type DriverCall } from '../../shared/driver-functions';
import { mat4ToPose, rad2deg } from '../../shared/kinematics';

export const PANORAMA_OWNER = 'panorama';

export interface ObservedPose {
  bodyYawDeg: number | null;
  /** World-frame head orientation (degrees); null when get_status carries no head pose. */
  head: { roll: number; pitch: number; yaw: number } | null;
  executionState: string | null;
  leaseOwner: string | null;
  leaseActive: boolean | null;
}

const finite = z.number().finite();
const bodyYawReply = z.object({ yaw_deg: finite.optional(), yaw_rad: finite.optional() }).loose();
const frameReply = z
  .object({
    status: z.string().optional(),
    reason: z.string().optional(),
    data_b64: z.string().optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    format: z.string().optional(),
  })
  .loose();

const headPose = z
  .object({
    matrix: z.array(finite).length(16).optional(),
    rpy_deg: z.object({ roll: finite, pitch: finite, yaw: finite }).optional(),
  })
  .loose();
const statusReply = z
  .object({
    driver_state: z
      .object({
        execution_state: z.string().optional(),
        command_owner: z.string().nullable().optional(),
        lease_active: z.boolean().optional(),
        current_pose: z
          .object({ head_pose: headPose.nullable().optional(), body_yaw_deg: finite.optional() })
          .loose()
          .nullable()
          .optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export class PanoramaRobot {
  constructor(
    private readonly mesh: MeshClient,
    readonly deviceId: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private call({ fn, params }: DriverCall, timeoutMs = this.timeoutMs): Promise<unknown> {
    return this.mesh.invoke(this.deviceId, fn, params, { timeoutMs, sourceDevice: PANORAMA_OWNER });
  }

  acquireLease(ttlS: number): Promise<unknown> {
    return this.call(driverCall('acquire_lease', { owner: PANORAMA_OWNER, ttl_s: ttlS }));
  }

  releaseLease(): Promise<unknown> {
    return this.call(driverCall('release_lease', { owner: PANORAMA_OWNER }));
  }

  stopMotion(): Promise<unknown> {
    return this.call(driverCall('stop_motion', { owner: PANORAMA_OWNER }));
  }

  setBodyYaw(yawDeg: number, durationS: number): Promise<unknown> {
    // wait: the reply comes once the interpolated turn has finished.
    return this.call(driverCall('set_body_yaw', { yaw_deg: yawDeg, duration_s: durationS, owner: PANORAMA_OWNER, ...(durationS > 0 ? { wait: true } : {}) }), this.timeoutMs + durationS * 1000);
  }

  /** Head pose relative to the body (frame "body"), so the body yaw is never dragged by the head. */
  look(pitchDeg: number, yawDeg: number): Promise<unknown> {
    return this.call(driverCall('look_at_world', { pitch: pitchDeg, roll: 0, yaw: yawDeg, frame: 'body', owner: PANORAMA_OWNER }));
  }

  async bodyYawDeg(): Promise<number | null> {
    const r = bodyYawReply.safeParse(await this.call(driverCall('get_body_yaw', {})));
    if (!r.success) return null;
    if (r.data.yaw_deg !== undefined) return r.data.yaw_deg;
    return r.data.yaw_rad !== undefined ? rad2deg(r.data.yaw_rad) : null;
  }

  async observe(): Promise<ObservedPose> {
    const r = statusReply.safeParse(await this.call(driverCall('get_status', {})));
    const ds = r.success ? r.data.driver_state : undefined;
    const cp = ds?.current_pose ?? null;
    let head: ObservedPose['head'] = null;
    if (cp?.head_pose?.matrix) {
      const p = mat4ToPose(cp.head_pose.matrix);
      head = { roll: rad2deg(p.roll), pitch: rad2deg(p.pitch), yaw: rad2deg(p.yaw) };
    } else if (cp?.head_pose?.rpy_deg) head = { ...cp.head_pose.rpy_deg };
    return {
      bodyYawDeg: cp?.body_yaw_deg ?? null,
      head,
      executionState: ds?.execution_state ?? null,
      leaseOwner: ds?.command_owner ?? null,
      leaseActive: ds?.lease_active ?? null,
    };
  }

  async captureJpeg(encoding: 'jpeg' | 'thumbnail', maxEdge: number, quality: number): Promise<{ jpeg: Buffer; width: number; height: number }> {
    const raw = await this.call(driverCall('capture_video_frame', { encoding, max_edge: maxEdge, quality }), Math.max(this.timeoutMs, 20_000));
    const r = frameReply.safeParse(raw);
    if (!r.success || !r.data.data_b64) {
      const why = r.success ? (r.data.reason ?? r.data.status ?? 'no image data') : 'unexpected reply shape';
      throw new Error(`capture_video_frame gave no frame: ${why}`);
    }
    if (r.data.status && r.data.status !== 'success') throw new Error(`capture_video_frame: ${r.data.reason ?? r.data.status}`);
    const jpeg = Buffer.from(r.data.data_b64, 'base64');
    return { jpeg, width: r.data.width ?? 0, height: r.data.height ?? 0 };
  }
}
