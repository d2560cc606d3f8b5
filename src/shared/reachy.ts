/**
 * Reachy Mini units and the driver's safety limits (docs/SAFETY.md). One table; the driver's validation, the console's
 * sliders and the panorama planner all read it. Degrees and millimetres at the driver's surface; the daemon
 * speaks radians and metres.
 */
export const LIMITS = {
  headPitchDeg: { min: -30, max: 30 },
  headRollDeg: { min: -30, max: 30 },
  /** Head yaw relative to the body. */
  headYawDeg: { min: -45, max: 45 },
  headXmm: { min: -50, max: 50 },
  headYmm: { min: -50, max: 50 },
  headZmm: { min: -50, max: 50 },
  bodyYawDeg: { min: -160, max: 160 },
  antennaDeg: { min: -80, max: 80 },
  durationS: { min: 0, max: 30 },
  /** |head world yaw − observed body yaw| must stay within this. */
  headBodyYawDiffDeg: 65,
  /** Realtime motion is coalesced above this rate. */
  realtimeMaxHz: 60,
  leaseDefaultS: 5,
  leaseMaxS: 300,
} as const;

export type Range = { min: number; max: number };

/** The message form agents act on: "pitch=40 outside safe range [-30, 30]". */
export function rangeMessage(field: string, value: unknown, range: Range): string {
  return `${field}=${String(value)} outside safe range [${range.min}, ${range.max}]`;
}

export const DEFAULT_DEVICE_ID = 'reachy-mini-1';
export const DEVICE_TYPE = 'reachy_mini';
export const DEFAULT_DAEMON_PORT = 8000;
export const DEFAULT_SIGNALLING_PORT = 8443;
export const WEBRTC_PRODUCER_NAME = 'reachymini';
/** Device Connect / NATS payload cap for media replies (bytes of JSON). */
export const MEDIA_REPLY_CAP_BYTES = 900_000;
