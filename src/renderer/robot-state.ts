/**
 * Turns a driver `state_event` payload into the view the panels draw. The parser is tolerant (several field
 * spellings, degrees or radians, a 4×4 matrix or x/y/z/roll/pitch/yaw) so a panel keeps working when a field is
 * missing — it shows "—" instead of breaking.
 */
import { mat4ToPose, rad2deg } from '../shared/kinematics';

export interface RobotView {
  deviceId: string;
  /** ms epoch on this page's clock, when the sample arrived here. */
  receivedAt: number;
  head: { x: number; y: number; z: number; roll: number; pitch: number; yaw: number } | null; // mm + deg (world)
  bodyYawDeg: number | null;
  antennasDeg: [number, number] | null; // [right, left]
  jointsDeg: number[] | null;
  imu: { accel: number[]; gyro: number[]; quat: number[]; temp: number | null } | null;
  owner: string | null;
  /** ms epoch on this page's clock (see parseStateEvent). */
  leaseExpiresAt: number | null;
  interlock: string;
  interlockReason: string | null;
  /** Who tripped it: 'operator', 'agent', 'daemon', … and the device the trip came from, when known. */
  interlockSource: string | null;
  interlockFrom: string | null;
  execution: string;
  lastError: string | null;
  link: string | null;
  /** Direction of arrival of sound, degrees in the robot's world frame (0 = forward, + = left), when reported. */
  doaDeg: number | null;
  /** Speech heard right now (from the same reading as the direction). */
  speech: boolean;
  /** The driver's last accepted target (drawn as a ghost): head in world degrees/mm, and/or the body yaw. */
  target: { head: { x: number; y: number; z: number; roll: number; pitch: number; yaw: number } | null; bodyYawDeg: number | null } | null;
}

/** The daemon's DoA angle (body frame: 0 = left, π/2 = front, π = right) as a world heading in degrees (+ = left). */
function doaWorldDeg(d: unknown, bodyYawDeg: number | null): number | null {
  if (!isObj(d)) return null;
  const a = num(d.angle_rad ?? d.angle);
  if (a === null) return null;
  const w = ((((bodyYawDeg ?? 0) + 90 - rad2deg(a)) % 360) + 360) % 360;
  return w > 180 ? w - 360 : w;
}

/** look_at_world targets carry the world heading (`world_yaw_deg`); set_body_yaw targets the body yaw. */
function parseTarget(t: unknown): RobotView['target'] {
  if (!isObj(t)) return null;
  if (t.kind === 'set_body_yaw' && num(t.yaw_deg) !== null) return { head: null, bodyYawDeg: num(t.yaw_deg) };
  if (t.kind === 'look_at_world' || t.kind === 'look_at_image') {
    const yaw = num(t.world_yaw_deg) ?? num(t.yaw);
    if (yaw === null) return null;
    return {
      head: { x: num(t.x_mm) ?? 0, y: num(t.y_mm) ?? 0, z: num(t.z_mm) ?? 0, roll: num(t.roll) ?? 0, pitch: num(t.pitch) ?? 0, yaw },
      bodyYawDeg: null,
    };
  }
  return null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const nums = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function pick(o: Obj | null, ...keys: string[]): unknown {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function parseHead(p: Obj): RobotView['head'] {
  const hp = pick(p, 'head_pose', 'head', 'pose');
  const mat = isObj(hp) ? nums(hp.m ?? hp.matrix) : nums(hp);
  if (mat && mat.length === 16) {
    const pose = mat4ToPose(mat);
    return { x: pose.x * 1000, y: pose.y * 1000, z: pose.z * 1000, roll: rad2deg(pose.roll), pitch: rad2deg(pose.pitch), yaw: rad2deg(pose.yaw) };
  }
  if (isObj(hp)) {
    const deg = (d: string, r: string): number => num(hp[d]) ?? (num(hp[r]) !== null ? rad2deg(num(hp[r])!) : 0);
    const mm = (a: string, m: string): number => num(hp[a]) ?? (num(hp[m]) !== null ? num(hp[m])! * 1000 : 0);
    if (isObj(hp.m)) return null;
    return {
      x: mm('x_mm', 'x'),
      y: mm('y_mm', 'y'),
      z: mm('z_mm', 'z'),
      roll: deg('roll_deg', 'roll_rad') || (num(hp.roll) ?? 0),
      pitch: deg('pitch_deg', 'pitch_rad') || (num(hp.pitch) ?? 0),
      yaw: deg('yaw_deg', 'yaw_rad') || (num(hp.yaw) ?? 0),
    };
  }
  return null;
}

function parseTs(v: unknown): number | null {
  const n = num(v);
  if (n !== null) return n < 1e11 ? n * 1000 : n; // epoch seconds (the prior driver) or ms
  const s = str(v);
  if (s) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function linkOf(v: unknown): string | null {
  if (isObj(v)) {
    const st = str(v.status);
    const e = str(v.error);
    return st ? (e && st !== 'connected' ? `${st}: ${e}` : st) : null;
  }
  return str(v);
}

/** `receivedAt`: when the event arrived, on the clock the views compare with (this page's `Date.now()`). */
export function parseStateEvent(deviceId: string, params: Obj, receivedAt: number): RobotView {
  const mirror = (pick(params, 'driver_state', 'state', 'mirror') as Obj | undefined) ?? params;
  const m = isObj(mirror) ? mirror : params;
  const observed = isObj(params.observed) ? params.observed : params;
  const jointsObj = pick(observed, 'joints');
  const j = isObj(jointsObj) ? jointsObj : null;

  const bodyYawDeg =
    num(pick(observed, 'body_yaw_deg')) ??
    num(j?.body_yaw_deg) ??
    (num(pick(observed, 'body_yaw_rad', 'body_yaw')) !== null ? rad2deg(num(pick(observed, 'body_yaw_rad', 'body_yaw'))!) : null);

  let antennasDeg: [number, number] | null = null;
  const ad = nums(pick(observed, 'antennas_deg', 'antenna_degrees')) ?? nums(j?.antenna_degrees);
  const ar = nums(pick(observed, 'antennas_rad', 'antennas'));
  if (ad && ad.length >= 2) antennasDeg = [ad[0], ad[1]];
  else if (ar && ar.length >= 2) antennasDeg = [rad2deg(ar[0]), rad2deg(ar[1])];
  else if (isObj(pick(observed, 'antennas_deg', 'antennas'))) {
    const a = pick(observed, 'antennas_deg', 'antennas') as Obj;
    const r = num(a.right_deg ?? a.right);
    const l = num(a.left_deg ?? a.left);
    if (r !== null && l !== null) antennasDeg = [r, l];
  }

  const jointsDeg =
    nums(j?.head_degrees) ??
    nums(pick(observed, 'head_joints_deg', 'joints_deg')) ??
    (nums(pick(observed, 'head_joints')) ? nums(pick(observed, 'head_joints'))!.map(rad2deg) : null) ??
    (Array.isArray(jointsObj) ? nums(jointsObj) : null);

  const imuRaw = pick(observed, 'imu');
  const imuObj = isObj(imuRaw) ? imuRaw : null;
  const imu = imuObj
    ? {
        accel: nums(imuObj.accelerometer ?? imuObj.accel) ?? [],
        gyro: nums(imuObj.gyroscope ?? imuObj.gyro) ?? [],
        quat: nums(imuObj.quaternion ?? imuObj.quat) ?? [],
        temp: num(imuObj.temperature ?? imuObj.temp),
      }
    : null;

  const lease = pick(m, 'lease');
  const leaseObj = isObj(lease) ? lease : null;
  const interlockRaw = pick(m, 'interlock', 'interlock_state');
  const interlockObj = isObj(interlockRaw) ? interlockRaw : null;
  const execRaw = pick(m, 'execution', 'execution_state', 'execution_status');
  const execObj = isObj(execRaw) ? execRaw : null;
  const lastErrRaw = pick(m, 'last_error');
  const owner = str(pick(m, 'command_owner', 'owner')) ?? str(leaseObj?.owner);
  const leaseActive = pick(m, 'lease_active') ?? leaseObj?.active;
  const expires = parseTs(pick(m, 'lease_expires_at') ?? leaseObj?.expires_at);
  const remainingS = num(leaseObj?.remaining_s ?? pick(m, 'lease_remaining_s'));
  return {
    deviceId,
    receivedAt,
    head: parseHead(observed) ?? parseHead(params),
    bodyYawDeg,
    antennasDeg,
    jointsDeg,
    imu,
    owner: leaseActive === false ? null : owner,
    // The time left, counted from arrival here, is right whatever the robot's clock says; the absolute expiry (the
    // robot's clock) is only the fallback for drivers that do not send it.
    leaseExpiresAt: leaseActive === false ? null : remainingS !== null ? receivedAt + remainingS * 1000 : expires,
    interlock: str(interlockObj?.state) ?? str(interlockRaw) ?? 'unknown',
    interlockReason: str(interlockObj?.reason) ?? str(pick(m, 'interlock_reason')),
    interlockSource: str(interlockObj?.source) ?? str(pick(m, 'interlock_source')),
    interlockFrom: str(interlockObj?.from_device) ?? str(pick(m, 'interlock_from_device')),
    execution: str(execObj?.state ?? execObj?.status) ?? str(execRaw) ?? 'unknown',
    lastError: isObj(lastErrRaw) ? (str(lastErrRaw.message) ?? JSON.stringify(lastErrRaw)) : str(lastErrRaw),
    link: linkOf(pick(params, 'link') ?? pick(m, 'daemon_link', 'link')),
    target: parseTarget(pick(m, 'target_pose', 'target')),
    doaDeg: doaWorldDeg(params.doa, bodyYawDeg),
    speech: isObj(params.doa) && params.doa.speech_detected === true,
  };
}
