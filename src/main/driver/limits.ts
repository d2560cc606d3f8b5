/**
 * Parameter schemas and range checks of the driver's surface (docs/SAFETY.md limits, from src/shared/reachy.ts LIMITS).
 * Out-of-range values are rejected, never clamped, with the message agents act on: "pitch=40 outside safe range
 * [-30, 30]". The zod schemas carry min/max so the Device Connect schema and the console's forms show the ranges;
 * `checkRange` is the same rule for values the driver derives itself (the last gate before the daemon).
 */
import { z } from 'zod';
import { clipText } from '../../shared/bounded';
import { LIMITS, rangeMessage, type Range } from '../../shared/reachy';

export type RefusalKind = 'range' | 'lease' | 'interlock' | 'daemon' | 'state';

/** An error the driver raises on purpose; the runtime turns it into JSON-RPC -32000 with this message. */
export class DriverRefusal extends Error {
  readonly kind: RefusalKind;
  constructor(kind: RefusalKind, message: string) {
    super(message);
    this.name = 'DriverRefusal';
    this.kind = kind;
  }
}

// Echoes of the caller's value are bounded: a 1 MB string given for `pitch` must not come back in the reply.
const fmt = (v: unknown): string => clipText(typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v));

export function inRange(value: number, range: Range): boolean {
  return Number.isFinite(value) && value >= range.min && value <= range.max;
}

/** Throws DriverRefusal('range') unless `value` is a finite number inside `range`. */
export function checkRange(field: string, value: number, range: Range): void {
  if (!inRange(value, range)) throw new DriverRefusal('range', rangeMessage(field, value, range));
}

/**
 * A number parameter with a safe range. The range is schema metadata (for LLMs and generated forms); the check itself
 * is `checkRange` in the handler, so the refusal reads exactly "pitch=40 outside safe range [-30, 30]".
 */
export function rangedNumber(field: string, range: Range, description: string, defaultValue?: number) {
  const base = z
    .number({ error: (iss) => `${field} must be a number in [${range.min}, ${range.max}] (got ${fmt(iss.input)})` })
    .meta({ minimum: range.min, maximum: range.max });
  return defaultValue === undefined ? base.describe(description) : base.default(defaultValue).describe(description);
}

/** Owner strings are caller-asserted labels (SECURITY.md), bounded so they stay readable in logs and the UI. */
export const OWNER_PATTERN = /^[A-Za-z0-9_.:@/-]{1,64}$/;

export function ownerParam(defaultOwner = 'agent') {
  return z
    .string({ error: 'owner must be a string' })
    .regex(OWNER_PATTERN, {
      error: (iss) => `owner=${fmt(iss.input)} must be 1-64 characters of letters, digits, _ . : @ / -`,
    })
    .default(defaultOwner)
    .describe(
      'Who is commanding (e.g. "agent", "operator", "panorama"). Motion is refused while another owner holds the lease.',
    );
}

export const durationParam = () =>
  rangedNumber(
    'duration_s',
    LIMITS.durationS,
    `Seconds for an interpolated (min-jerk) move, ${LIMITS.durationS.min}-${LIMITS.durationS.max}. 0 = realtime target applied at once (streams are coalesced to at most ${LIMITS.realtimeMaxHz} Hz).`,
    0,
  );

export const waitParam = () =>
  z
    .boolean({ error: 'wait must be true or false' })
    .default(false)
    .describe(
      'Only for duration_s > 0: when true, reply after the move has finished, with the observed pose; when false (default), reply at once with execution "moving".',
    );

/**
 * The head–body offset exactly as the daemon's automatic body-yaw rule sees it: the head heading (atan2 of the
 * pose, in (−180, 180]) minus the body yaw, NOT wrapped. A head heading past ±180° (body −160° + head −45° =
 * −205° → +155°) looks 15° away when wrapped, but the daemon computes 315° and drags the body most of a turn; so
 * the 65° rule must use this unwrapped value.
 */
export function headBodyOffsetDeg(headHeadingDeg: number, bodyYawDeg: number): number {
  return headHeadingDeg - bodyYawDeg;
}

/** Smallest signed difference a − b in degrees, in (−180, 180]. */
export function angleDiffDeg(a: number, b: number): number {
  let d = (a - b) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}
