/**
 * Request models of the daemon (docs/DAEMON.md §2 conventions, §2.3), validated with zod and reported in pydantic's
 * 422 form. `AnyPose` reproduces the union quirk: a body with a valid 16-number `m` is a matrix, anything else
 * that is an object is XYZRPY with missing fields = 0 and extra keys ignored — so `{"m":[1,0]}` silently becomes
 * the identity pose (docs/DAEMON.md §14.14; the real daemon does exactly this).
 */
import { z } from 'zod';
import type { Mat4 } from '../reachy';
import { poseToMat4 } from '../reachy';
import type { PydanticError } from './http';
import { validationError, zodToPydantic } from './http';

// JSON numbers beyond the double range parse to ±Infinity. pydantic would take them as inf (IK then fails and the
// pose is held); zod rejects them, so such a matrix falls back to XYZRPY like any invalid matrix (docs/DAEMON.md §14).
const num = z.number();
const xyzrpy = z.object({
  x: num.optional(),
  y: num.optional(),
  z: num.optional(),
  roll: num.optional(),
  pitch: num.optional(),
  yaw: num.optional(),
});
const matrix = z.object({ m: z.array(num).length(16) });
const antennas = z.tuple([num, num]);

/** Parses an `AnyPose | null | undefined` at `loc`; errors are collected into `errors`. */
export function parseAnyPose(v: unknown, loc: (string | number)[], errors: PydanticError[]): Mat4 | null {
  if (v === undefined || v === null) return null;
  const m = matrix.safeParse(v);
  if (m.success) return m.data.m.slice();
  const p = xyzrpy.safeParse(v);
  if (p.success) {
    const d = p.data;
    return poseToMat4({ x: d.x ?? 0, y: d.y ?? 0, z: d.z ?? 0, roll: d.roll ?? 0, pitch: d.pitch ?? 0, yaw: d.yaw ?? 0 });
  }
  // Both union members failed: pydantic reports each branch under its model name.
  errors.push(...zodToPydantic(p.error.issues, v, [...loc, 'XYZRPYPose']));
  errors.push(...zodToPydantic(m.error.issues, v, [...loc, 'Matrix4x4Pose']));
  return null;
}

function field<T>(schema: z.ZodType<T>, obj: Record<string, unknown>, key: string, errors: PydanticError[]): T | undefined {
  const v = obj[key];
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  if (v === undefined) {
    // pydantic reports a missing field with the enclosing object as input.
    errors.push({ type: 'missing', loc: ['body', key], msg: 'Field required', input: obj });
    return undefined;
  }
  errors.push(...zodToPydantic(r.error.issues, v, ['body', key]));
  return undefined;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  }
  return body as Record<string, unknown>;
}

export const INTERPOLATIONS = ['linear', 'minjerk', 'ease_in_out', 'cartoon'] as const;
const interpolation = z.enum(INTERPOLATIONS);

export interface GotoBody {
  head: Mat4 | null;
  antennas: [number, number] | null;
  bodyYaw: number | null;
  duration: number;
  interpolation: (typeof INTERPOLATIONS)[number];
}

/** `GotoModelRequest`. */
export function parseGoto(body: unknown): GotoBody {
  const o = bodyObject(body);
  const errors: PydanticError[] = [];
  const head = parseAnyPose(o.head_pose, ['body', 'head_pose'], errors);
  const ant = field(antennas.nullish(), o, 'antennas', errors);
  const bodyYaw = field(num.nullish(), o, 'body_yaw', errors);
  const duration = field(num, o, 'duration', errors);
  const interp = field(interpolation.optional(), o, 'interpolation', errors);
  if (errors.length) throw validationError(errors);
  return { head, antennas: ant ?? null, bodyYaw: bodyYaw ?? null, duration: duration as number, interpolation: interp ?? 'minjerk' };
}

export interface FullBodyTargetBody {
  head: Mat4 | null;
  antennas: [number, number] | null;
  bodyYaw: number | null;
}

/** `FullBodyTarget` (every field optional; `timestamp` accepted and ignored). */
export function parseFullBodyTarget(body: unknown): FullBodyTargetBody {
  const o = bodyObject(body);
  const errors: PydanticError[] = [];
  const head = parseAnyPose(o.target_head_pose, ['body', 'target_head_pose'], errors);
  const ant = field(antennas.nullish(), o, 'target_antennas', errors);
  const bodyYaw = field(num.nullish(), o, 'target_body_yaw', errors);
  if (errors.length) throw validationError(errors);
  return { head, antennas: ant ?? null, bodyYaw: bodyYaw ?? null };
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** `{"uuid": UUID}` of POST /api/move/stop. */
export function parseMoveUuid(body: unknown): string {
  const o = bodyObject(body);
  const errors: PydanticError[] = [];
  const v = field(z.string(), o, 'uuid', errors);
  if (errors.length) throw validationError(errors);
  if (!UUID_RE.test(v as string)) {
    throw validationError([{ type: 'uuid_parsing', loc: ['body', 'uuid'], msg: 'Input should be a valid UUID, invalid character', input: v }]);
  }
  return (v as string).toLowerCase();
}

export function parseObjectField<T>(body: unknown, key: string, schema: z.ZodType<T>): T {
  const o = bodyObject(body);
  const errors: PydanticError[] = [];
  const v = field(schema, o, key, errors);
  if (errors.length) throw validationError(errors);
  return v as T;
}

// ---- /ws/sdk commands (invalid ones are logged and ignored, as the daemon does) ----

const head16 = z.array(num).length(16);
export const sdkCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('set_target'), head: head16 }),
  z.object({ type: z.literal('set_body_yaw'), body_yaw: num }),
  z.object({ type: z.literal('set_antennas'), antennas }),
  z.object({ type: z.literal('set_full_target'), head: head16.nullish(), antennas: antennas.nullish(), body_yaw: num.nullish() }),
  z.object({ type: z.literal('set_head_joints'), joints: z.array(num).length(7) }),
  z.object({ type: z.literal('goto_target'), head: head16.nullish(), antennas: antennas.nullish(), duration: num.default(0.5), body_yaw: num.nullish() }),
  z.object({ type: z.literal('wake_up') }),
  z.object({ type: z.literal('goto_sleep') }),
  z.object({ type: z.literal('stop_move') }),
  z.object({ type: z.literal('set_motor_mode'), mode: z.enum(['enabled', 'disabled', 'gravity_compensation']) }),
  z.object({ type: z.literal('set_torque'), on: z.boolean(), ids: z.array(z.string()).nullish() }),
  z.object({ type: z.literal('set_gravity_compensation'), enabled: z.boolean() }),
  z.object({ type: z.literal('set_automatic_body_yaw'), enabled: z.boolean() }),
  z.object({ type: z.literal('play_sound'), file: z.string() }),
  z.object({ type: z.literal('start_recording') }),
  z.object({ type: z.literal('stop_recording') }),
  z.object({ type: z.literal('append_record'), record: z.unknown() }),
  z.object({ type: z.literal('set_volume'), volume: z.number().int().min(0).max(100) }),
  z.object({
    type: z.literal('task'),
    uuid: z.string(),
    req: z.object({
      head: head16.nullable(),
      antennas: antennas.nullable(),
      duration: num,
      method: z.enum(INTERPOLATIONS),
      body_yaw: num.nullable(),
    }),
    timestamp: z.string().optional(),
  }),
]);
export type SdkCommand = z.infer<typeof sdkCommand>;

/** Body of POST /api/move/ws/set_target frames errors, in pydantic's text form. */
export function pydanticText(model: string, errors: PydanticError[]): string {
  const lines = [`${errors.length} validation error${errors.length === 1 ? '' : 's'} for ${model}`];
  for (const e of errors) {
    lines.push(e.loc.filter((l) => l !== 'body').join('.'));
    lines.push(`  ${e.msg} [type=${e.type}, input_value=${JSON.stringify(e.input)}, input_type=${Array.isArray(e.input) ? 'list' : typeof e.input}]`);
  }
  return lines.join('\n');
}
