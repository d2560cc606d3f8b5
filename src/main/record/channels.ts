/**
 * What a recording holds: one MCAP channel per kind of data, JSON-encoded with a JSON Schema, using Foxglove's
 * well-known schemas where one fits (camera frames, transforms, logs) so Foxglove Studio shows them in its image,
 * 3D and log panels. The live Foxglove bridge serves the same channels.
 */
import { CompressedImage, FrameTransforms, Log } from '@foxglove/schemas/jsonschema.js';
import { mulMat3, poseToMat4, rotZ3, transposeMat3, mulMat3Vec, rotationOf, type Mat3, type Mat4 } from '../../shared/kinematics';
import { R_HEAD_CAM } from '../../shared/camera-model';

/** Written in the MCAP header: replay refuses files without it (they are not ours). */
export const RECORDING_PROFILE = 'reachy-console';

type JsonSchema = Record<string, unknown>;

const NUMBER = { type: 'number' };
const NULLABLE_NUMBER = { type: ['number', 'null'] };

export const STATE_SCHEMA: JsonSchema = {
  title: 'reachy.StateEvent',
  description: "A Reachy Mini driver's state_event: joints, head pose, body yaw, antennas, IMU and the driver state",
  type: 'object',
  properties: {
    device_id: { type: 'string' },
    received_at: { type: 'number', description: 'Epoch milliseconds when the recorder received it' },
    head_pose: {
      type: 'object',
      properties: {
        matrix: { type: 'array', items: NUMBER, minItems: 16, maxItems: 16 },
        rpy_deg: { type: 'object', properties: { roll: NUMBER, pitch: NUMBER, yaw: NUMBER } },
        xyz_mm: { type: 'object', properties: { x: NUMBER, y: NUMBER, z: NUMBER } },
      },
    },
    body_yaw_deg: NULLABLE_NUMBER,
    antennas_deg: { type: ['object', 'null'], properties: { left: NUMBER, right: NUMBER } },
    head_joints_deg: { type: ['array', 'null'], items: NUMBER },
    imu: {
      type: ['object', 'null'],
      properties: {
        accelerometer: { type: 'array', items: NUMBER },
        gyroscope: { type: 'array', items: NUMBER },
        quaternion: { type: 'array', items: NUMBER },
        temperature: NULLABLE_NUMBER,
      },
    },
    driver_state: { type: 'object' },
  },
  required: ['device_id', 'received_at'],
};

export const EVENT_SCHEMA: JsonSchema = {
  title: 'reachy.MeshEvent',
  description: 'A Device Connect event (safety, audio, motion, custom), as published on the mesh',
  type: 'object',
  properties: {
    device_id: { type: 'string' },
    event_name: { type: 'string' },
    received_at: { type: 'number', description: 'Epoch milliseconds when the recorder received it' },
    params: { type: 'object' },
    malformed: { type: 'string' },
  },
  required: ['device_id', 'event_name', 'received_at', 'params'],
};

export const INVOKE_SCHEMA: JsonSchema = {
  title: 'reachy.Invoke',
  description: 'One device function call: who called what, with which params, and what came back when',
  type: 'object',
  properties: {
    device_id: { type: 'string' },
    function: { type: 'string' },
    params: { type: 'object' },
    caller: { type: 'string', description: 'console, mcp-agent, panorama, runner, or the calling mesh member' },
    source_device: { type: ['string', 'null'] },
    seen_at: { enum: ['client', 'device', 'wire'] },
    started_at: { type: 'number', description: 'Epoch milliseconds' },
    duration_ms: { type: 'number', minimum: 0 },
    ok: { type: 'boolean' },
    result: {},
    error: { type: 'string' },
  },
  required: ['device_id', 'function', 'params', 'caller', 'started_at', 'duration_ms', 'ok'],
};

export const TOOL_CALL_SCHEMA: JsonSchema = {
  title: 'reachy.McpToolCall',
  description: "An MCP agent's tool call: the tool, its arguments and its result",
  type: 'object',
  properties: {
    tool: { type: 'string' },
    arguments: { type: 'object' },
    started_at: { type: 'number' },
    duration_ms: { type: 'number', minimum: 0 },
    is_error: { type: 'boolean' },
    result: {},
  },
  required: ['tool', 'arguments', 'started_at', 'duration_ms', 'is_error'],
};

export interface ChannelSpec {
  topic: string;
  schemaName: string;
  schema: JsonSchema;
}

const spec = (topic: string, schema: JsonSchema): ChannelSpec => ({ topic, schemaName: String(schema.title), schema });

export const topics = {
  state: (id: string): ChannelSpec => spec(`/${id}/state`, STATE_SCHEMA),
  event: (id: string, name: string): ChannelSpec => spec(`/${id}/events/${name}`, EVENT_SCHEMA),
  invoke: (id: string): ChannelSpec => spec(`/${id}/invokes`, INVOKE_SCHEMA),
  camera: (id: string): ChannelSpec => spec(`/${id}/camera`, CompressedImage as unknown as JsonSchema),
  tf: (): ChannelSpec => spec('/tf', FrameTransforms as unknown as JsonSchema),
  log: (): ChannelSpec => spec('/log', Log as unknown as JsonSchema),
  toolCalls: (): ChannelSpec => spec('/mcp/tool_calls', TOOL_CALL_SCHEMA),
};

export interface FoxTime {
  sec: number;
  nsec: number;
}

export function foxTime(epochMs: number): FoxTime {
  const sec = Math.floor(epochMs / 1000);
  return { sec, nsec: Math.min(999_999_999, Math.max(0, Math.round((epochMs - sec * 1000) * 1e6))) };
}

/** Row-major 3×3 rotation → unit quaternion {x,y,z,w}. */
export function mat3ToQuat(m: Mat3): { x: number; y: number; z: number; w: number } {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m;
  const tr = m00 + m11 + m22;
  let x: number, y: number, z: number, w: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    w = (m21 - m12) / s;
    x = 0.25 * s;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = 0.25 * s;
    z = (m12 + m21) / s;
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = 0.25 * s;
  }
  const n = Math.hypot(x, y, z, w) || 1;
  return { x: x / n, y: y / n, z: z / n, w: w / n };
}

/** Frame names of one robot in the 3D view: `<id>/base` → `<id>/body` → `<id>/head` → `<id>/camera`. */
export const frameIds = (id: string): { base: string; body: string; head: string; camera: string } => ({
  base: `${id}/base`,
  body: `${id}/body`,
  head: `${id}/head`,
  camera: `${id}/camera`,
});

// The head pose is reported in the robot's base frame (metres here, millimetres on the wire); the platform's
// neutral centre sits this high above the base.
const HEAD_NEUTRAL_Z_M = 0.177;

interface StateLike {
  head_pose?: { matrix?: unknown; xyz_mm?: { x?: unknown; y?: unknown; z?: unknown } | null; rpy_deg?: { roll?: unknown; pitch?: unknown; yaw?: unknown } | null } | null;
  body_yaw_deg?: unknown;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** foxglove.FrameTransforms for one state sample, or null when the sample carries no head pose. */
export function transformsFromState(deviceId: string, state: StateLike, epochMs: number): { transforms: unknown[] } | null {
  const hp = state.head_pose;
  if (!hp) return null;
  let head: Mat4 | null = null;
  if (Array.isArray(hp.matrix) && hp.matrix.length === 16 && hp.matrix.every((v) => num(v) !== null)) head = hp.matrix as number[];
  else if (hp.xyz_mm && hp.rpy_deg) {
    const v = [hp.xyz_mm.x, hp.xyz_mm.y, hp.xyz_mm.z, hp.rpy_deg.roll, hp.rpy_deg.pitch, hp.rpy_deg.yaw].map(num);
    if (v.every((x) => x !== null)) {
      const [x, y, z, r, p, yw] = v as number[];
      const d = Math.PI / 180;
      head = poseToMat4({ x: x / 1000, y: y / 1000, z: z / 1000, roll: r * d, pitch: p * d, yaw: yw * d });
    }
  }
  if (!head) return null;
  const bodyYaw = ((num(state.body_yaw_deg) ?? 0) * Math.PI) / 180;
  const f = frameIds(deviceId);
  const ts = foxTime(epochMs);
  const rBody = rotZ3(bodyYaw);
  // Translation from xyz_mm when present (the wire's unit), else from the matrix (metres).
  const tMm = hp.xyz_mm ? [num(hp.xyz_mm.x) ?? 0, num(hp.xyz_mm.y) ?? 0, num(hp.xyz_mm.z) ?? 0].map((v) => v / 1000) : [head[3], head[7], head[11]];
  const rHeadBase = rotationOf(head);
  // body → head: the head pose in the body's frame (the body turns under the head).
  const rBodyHead = mulMat3(transposeMat3(rBody), rHeadBase);
  const tBodyHead = mulMat3Vec(transposeMat3(rBody), [tMm[0], tMm[1], tMm[2] + HEAD_NEUTRAL_Z_M]);
  const tf = (parent: string, child: string, t: number[], r: Mat3): unknown => ({
    timestamp: ts,
    parent_frame_id: parent,
    child_frame_id: child,
    translation: { x: t[0], y: t[1], z: t[2] },
    rotation: mat3ToQuat(r),
  });
  return {
    transforms: [
      tf(f.base, f.body, [0, 0, 0], rBody),
      tf(f.body, f.head, tBodyHead, rBodyHead),
      tf(f.head, f.camera, [0.05, 0, 0.03], R_HEAD_CAM),
    ],
  };
}
