/**
 * State reads: get_status, get_joints, get_imu, get_body_yaw (docs/PRIOR-ART.md §B.2 shapes, plus the observed pose).
 *
 * They answer from memory: the joint/pose/IMU stream `/ws/sdk` pushes at 50 Hz and the `daemon_status` it pushes at
 * about 1 Hz, with the sample's age (`source: "mirror"`, `age_ms`). Only when that copy is stale do they ask the
 * daemon over REST, and the reply says so (`source: "daemon"`, `stale`). A REST round trip per read made get_status
 * three times slower than the broker floor and capped its throughput at a fraction of it.
 */
import { errorMessage } from '../../shared/errors';
import { z } from 'zod';
import { rad2deg } from '../../shared/kinematics';
import type { JsonObject } from '../../shared/wire';
import { withJsonText, type DeviceFunction } from '../mesh';
import type { DaemonClient, DaemonStatusDoc, RobotState } from '../reachy';
import { declare, type DriverContext } from './context';
import { withTimeout } from './motion';
import { headPoseView, roundDeg } from './pose';

const noParams = z.object({}).strict();
const statusParams = z
  .object({ verbose: z.boolean().optional().describe('true: the full daemon status document (default: the fields a caller needs)') })
  .strict();

/** The stream runs at 50 Hz (10 Hz when polled over http): older than this and a sample no longer says "now". */
export const STATE_STALE_MS = 500;
/** `daemon_status` is pushed about once a second: two missed pushes and it is stale. */
export const STATUS_STALE_MS = 2500;
const REST_TIMEOUT_MS = 2000;

/** Daemon status fields a caller acts on; `verbose: true` returns the whole document. */
const STATUS_KEYS = ['robot_name', 'state', 'version', 'simulation_enabled', 'mockup_sim_enabled', 'no_media', 'media_released', 'error'] as const;

function trimStatus(doc: DaemonStatusDoc): JsonObject {
  const out: JsonObject = {};
  for (const k of STATUS_KEYS) if (k in doc) out[k] = doc[k] as JsonObject[string];
  return out;
}


type Fresh = { state: RobotState; source: 'mirror' | 'daemon'; age_ms: number; stale?: string };

/** The latest observed state: the mirror's when fresh, else one REST read (null plus why when neither works). */
async function observed(daemon: DaemonClient): Promise<Fresh | { state: null; why: string }> {
  const s = daemon.latestState();
  const age = s ? Math.max(0, Date.now() - s.receivedAt) : null;
  if (s && age !== null && age <= STATE_STALE_MS) return { state: s, source: 'mirror', age_ms: age };
  const stale = s ? `state stream is ${age} ms old (limit ${STATE_STALE_MS} ms); read from the daemon` : 'no state from the stream yet; read from the daemon';
  try {
    const fresh = await withTimeout(daemon.fetchState(), REST_TIMEOUT_MS, `daemon did not answer within ${REST_TIMEOUT_MS / 1000} s`);
    return { state: fresh, source: 'daemon', age_ms: 0, stale };
  } catch (e) {
    return { state: null, why: s ? `state stream is ${age} ms old and the daemon did not answer: ${errorMessage(e)}` : `no state yet and the daemon did not answer: ${errorMessage(e)}` };
  }
}

const provenance = (f: Fresh): JsonObject => ({ source: f.source, age_ms: f.age_ms, ...(f.stale ? { stale: f.stale } : {}) });

export function stateFunctions(ctx: DriverContext): DeviceFunction[] {
  const { daemon, mirror } = ctx;

  // The daemon part of get_status per pushed document (about one a second), trimmed or whole, frozen and serialised.
  let docCache: { doc: DaemonStatusDoc; verbose: boolean; value: JsonObject; json: string } | null = null;
  const pushedDoc = (doc: DaemonStatusDoc, verbose: boolean): { value: JsonObject; json: string } => {
    if (docCache?.doc !== doc || docCache.verbose !== verbose) {
      const value = Object.freeze(verbose ? ({ ...doc } as JsonObject) : trimStatus(doc));
      docCache = { doc, verbose, value, json: JSON.stringify(value) };
    }
    return docCache;
  };
  const statusReply = (daemonDoc: { value: JsonObject; json: string }, prov: JsonObject): JsonObject => {
    const ds = mirror.snapshotWithJson();
    const c = daemon.connection();
    const link = { status: c.status, transport: c.transport, error: c.error ?? null };
    const value: JsonObject = { daemon: daemonDoc.value, driver_state: ds.value, link, ...prov };
    // Same keys in the same order as `value`: the text is exactly JSON.stringify(value).
    const json = '{"daemon":' + daemonDoc.json + ',"driver_state":' + ds.json + ',"link":' + JSON.stringify(link) + ',' + JSON.stringify(prov).slice(1);
    return withJsonText(value, json);
  };
  return [
    declare({
      name: 'get_status',
      description:
        'Robot and driver status. Returns {daemon: the robot daemon status (robot_name, state, version, simulation/' +
        'media flags, error; the full document with verbose:true; {error} when unreachable), driver_state: the state ' +
        'mirror (command_owner, lease_active, lease_remaining_s, interlock_state "safe"|"tripped" with interlock_reason, ' +
        'execution_state "idle"|"moving"|"error", active_move, target_pose, current_pose with head pose in degrees/mm ' +
        'and body yaw, daemon_link, last_error), link: daemon link status, source: "mirror" (the status the daemon ' +
        'pushes about once a second) or "daemon" (asked over REST because that copy was stale, see stale), age_ms: age ' +
        'of the daemon status}. Call it before moving to see who holds the lease and whether the interlock is tripped.',
      params: statusParams,
      // From the pushed status (the usual case) it answers synchronously, from cached, already serialised pieces.
      handler: (p) => {
        const verbose = p.verbose === true;
        const pushed = daemon.pushedStatus();
        const age = pushed ? Math.max(0, Date.now() - pushed.receivedAt) : null;
        if (pushed && age !== null && age <= STATUS_STALE_MS) return statusReply(pushedDoc(pushed.doc, verbose), { source: 'mirror', age_ms: age });
        const stale = pushed
          ? `pushed daemon status is ${age} ms old (limit ${STATUS_STALE_MS} ms); read from the daemon`
          : 'no daemon status pushed on this link; read from the daemon';
        return (async () => {
          let doc: JsonObject;
          try {
            const d = await withTimeout(daemon.daemonStatus(), REST_TIMEOUT_MS, 'daemon status did not answer within 2 s');
            doc = verbose ? ({ ...d } as JsonObject) : trimStatus(d);
          } catch (e) {
            doc = { error: errorMessage(e) };
          }
          return statusReply({ value: doc, json: JSON.stringify(doc) }, { source: 'daemon', age_ms: 0, stale });
        })();
      },
    }),
    declare({
      name: 'get_joints',
      description:
        'Latest joint positions from the robot stream, in degrees: head_degrees [body_yaw, stewart_1..6], ' +
        'antenna_degrees [left, right], body_yaw_deg/body_yaw_rad, and head_pose (world frame: rpy_deg roll/pitch/yaw, ' +
        'xyz_mm, 4x4 matrix in metres); source "mirror" with age_ms, or "daemon" (asked over REST, see stale) when the ' +
        'stream is stale. Returns {status:"error", reason:"no joint data..."} when neither has a sample.',
      params: noParams,
      handler: async () => {
        const f = await observed(daemon);
        if (!f.state) return { status: 'error', reason: `no joint data: ${f.why}` };
        const s = f.state;
        return {
          status: 'success',
          head_degrees: s.headJoints ? s.headJoints.map((j) => roundDeg(rad2deg(j))) : null,
          antenna_degrees: [roundDeg(rad2deg(s.antennas[1])), roundDeg(rad2deg(s.antennas[0]))],
          body_yaw_deg: roundDeg(rad2deg(s.bodyYaw)),
          body_yaw_rad: s.bodyYaw,
          head_pose: headPoseView(s.headPose),
          received_at: s.receivedAt / 1000,
          ...provenance(f as Fresh),
        };
      },
    }),
    declare({
      name: 'get_imu',
      description:
        'Latest IMU sample of the head: accelerometer [x,y,z] m/s², gyroscope [x,y,z] rad/s, quaternion [w,x,y,z], ' +
        'temperature °C, with age_ms. Returns {status:"error", reason:"no IMU data..."} when the robot sends none or ' +
        'the stream is stale (the IMU comes only on the stream).',
      params: noParams,
      handler: () => {
        const s = daemon.latestState();
        if (!s?.imu) return { status: 'error', reason: 'no IMU data' };
        const age = Math.max(0, Date.now() - s.receivedAt);
        if (age > STATE_STALE_MS) {
          return { status: 'error', reason: `no IMU data: the last sample is ${age} ms old (limit ${STATE_STALE_MS} ms) and the IMU comes only on the state stream` };
        }
        return { status: 'success', imu: { ...s.imu }, received_at: s.receivedAt / 1000, source: 'mirror', age_ms: age };
      },
    }),
    declare({
      name: 'get_body_yaw',
      description:
        'Observed body (base) rotation: {status:"success", yaw_rad, yaw_deg, source, age_ms}. Positive = turned left, ' +
        'range about ±160°.',
      params: noParams,
      handler: async () => {
        const f = await observed(daemon);
        if (!f.state) return { status: 'error', reason: `no body yaw data: ${f.why}`, raw: null };
        return { status: 'success', yaw_rad: f.state.bodyYaw, yaw_deg: roundDeg(rad2deg(f.state.bodyYaw)), ...provenance(f as Fresh) };
      },
    }),
  ];
}
