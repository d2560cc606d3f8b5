/**
 * Function allow-list for cautious deployments (SPEC §7, §15): `--allow get_status,get_*` or the `--read-only`
 * preset. The bridge refuses any other function before anything reaches the mesh.
 */
import { z } from 'zod';

/** Reachy Mini functions that only observe (no motion, no media output, no ownership change). */
export const READ_ONLY_FUNCTIONS: readonly string[] = [
  'get_status',
  'get_joints',
  'get_imu',
  'get_body_yaw',
  'get_media_status',
  'get_media_stream_access',
  'capture_video_frame',
  'capture_audio_sample',
  'detect_audio_activity',
  'detect_motion',
];

const entry = z
  .string()
  .regex(/^[A-Za-z0-9_*-]{1,128}$/, 'function names are letters, digits, _ and - (a trailing or inner * is a wildcard)');

export const allowListSchema = z.array(entry).max(256);

export interface AllowList {
  /** Patterns as given (for messages and the UI). */
  readonly patterns: readonly string[];
  allows(fn: string): boolean;
  /** The refusal sentence for a function outside the list. */
  refusal(fn: string): string;
}

function toRegex(pattern: string): RegExp {
  const body = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/** Builds an allow-list; throws a readable Error naming the bad entry. */
export function createAllowList(patterns: readonly string[]): AllowList {
  const parsed = allowListSchema.safeParse(patterns);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const bad = issue?.path.length ? `'${String(patterns[Number(issue.path[0])])}'` : 'the list';
    throw new Error(`--allow: ${bad} is not valid: ${issue?.message ?? 'invalid'}`);
  }
  const regexes = parsed.data.map(toRegex);
  const list = [...parsed.data];
  return {
    patterns: list,
    allows: (fn) => regexes.some((r) => r.test(fn)),
    refusal: (fn) =>
      `Function '${fn}' is not allowed by this bridge's allow-list (allowed: ${list.join(', ') || 'none'}). ` +
      'Ask the operator to widen --allow or drop --read-only.',
  };
}

/** Parses `--allow a,b,c` (commas and/or spaces) plus `--read-only`; null when no restriction was asked. */
export function allowListFromFlags(allow: string | undefined, readOnly: boolean): AllowList | null {
  const names = (allow ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (readOnly) names.push(...READ_ONLY_FUNCTIONS.filter((f) => !names.includes(f)));
  if (!readOnly && allow === undefined) return null;
  return createAllowList(names);
}
