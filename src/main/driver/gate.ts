/**
 * The last gate before the daemon: every target the driver sends (realtime or interpolated), in the daemon's units,
 * is checked against the safety limits here, whatever function built it. Nothing out of range reaches the robot even
 * if a function computes a target wrongly. Throws DriverRefusal('range') naming the derived field.
 *
 * The head–body rule is checked on the full pair the daemon will hold (head pose AND body yaw, see motion.ts), in
 * both yaw conventions in use: the rpy yaw everyone reads (atan2(R10, R00)) and the one the daemon's automatic
 * body-yaw rule uses (−atan2(R01, R00)); they differ by a few degrees on a tilted head. A pair within 65° in both
 * is never altered by the daemon and never shown beyond 65°. The pose must also be reachable (the daemon silently
 * keeps its previous target otherwise). See docs/SAFETY.md.
 */
import { mat4ToPose, rad2deg, type Mat4 } from '../../shared/kinematics';
import { LIMITS, rangeMessage } from '../../shared/reachy';
import { headReachProblem, interpolatePose } from '../reachy';
import { angleDiffDeg, checkRange, DriverRefusal, headBodyOffsetDeg } from './limits';

/** Floating-point slack for values computed from degrees (a 30° request may come back as 30.0000000001°). */
const EPS = 1e-6;
const widen = (r: { min: number; max: number }) => ({ min: r.min - EPS, max: r.max + EPS });
const round = (v: number): number => Math.round(v * 1000) / 1000;
const r1 = (v: number): number => Math.round(v * 10) / 10;

export interface GateInput {
  headPose?: Mat4 | null;
  /** rad; the body yaw the head is checked against (requested, else `basisBodyYaw`). */
  bodyYaw?: number | null;
  /** [right, left] rad */
  antennas?: [number, number] | null;
  durationS?: number;
}

export interface GateContext {
  /** Function name, for the message. */
  what?: string;
  /** What the caller can do when the head–body rule refuses. */
  hint?: string;
  /** rad; the body yaw observed right now, named in the message when it differs from the one checked. */
  observedBodyYaw?: number | null;
}

/** Head heading (deg, in (−180, 180]) in the rpy convention and in the daemon's automatic-body-yaw convention. */
export function headingsDeg(m: Mat4): { rpy: number; daemon: number } {
  return { rpy: rad2deg(Math.atan2(m[4], m[0])), daemon: rad2deg(-Math.atan2(m[1], m[0])) };
}

export function assertSafeTarget(t: GateInput, basisBodyYaw: number | null, ctx: GateContext = {}): void {
  if (t.durationS !== undefined) checkRange('duration_s', t.durationS, widen(LIMITS.durationS));
  if (t.bodyYaw != null) checkRange('body_yaw_deg', round(rad2deg(t.bodyYaw)), widen(LIMITS.bodyYawDeg));
  if (t.antennas) {
    checkRange('right', round(rad2deg(t.antennas[0])), widen(LIMITS.antennaDeg));
    checkRange('left', round(rad2deg(t.antennas[1])), widen(LIMITS.antennaDeg));
  }
  if (!t.headPose) return;
  const m = t.headPose;
  if (m.length !== 16 || !m.every(Number.isFinite)) throw new DriverRefusal('range', 'head pose is not a finite 4x4 matrix');
  const p = mat4ToPose(m);
  checkRange('pitch', round(rad2deg(p.pitch)), widen(LIMITS.headPitchDeg));
  checkRange('roll', round(rad2deg(p.roll)), widen(LIMITS.headRollDeg));
  checkRange('x_mm', round(p.x * 1000), widen(LIMITS.headXmm));
  checkRange('y_mm', round(p.y * 1000), widen(LIMITS.headYmm));
  checkRange('z_mm', round(p.z * 1000), widen(LIMITS.headZmm));
  const body = t.bodyYaw ?? basisBodyYaw;
  if (body == null) {
    throw new DriverRefusal('state', 'no observed body yaw from the daemon yet; cannot check the head–body yaw rule');
  }
  const bodyDeg = rad2deg(body);
  const h = headingsDeg(m);
  const lim = LIMITS.headBodyYawDiffDeg;
  const prefix = ctx.what ? `${ctx.what}: ` : '';
  const hint = ctx.hint ? `; ${ctx.hint}` : '';
  const obs = ctx.observedBodyYaw;
  const bodyText =
    obs != null && Math.abs(rad2deg(obs) - bodyDeg) > 0.5
      ? `the body yaw ${r1(bodyDeg)}° (its target; observed ${r1(rad2deg(obs))}° on the way)`
      : `the body yaw ${r1(bodyDeg)}°`;
  for (const heading of [h.rpy, h.daemon]) {
    const diff = round(headBodyOffsetDeg(heading, bodyDeg));
    if (Math.abs(diff) <= lim + EPS) continue;
    if (Math.abs(angleDiffDeg(heading, bodyDeg)) <= lim + EPS) {
      throw new DriverRefusal(
        'range',
        `${prefix}head heading would cross ±180° (heading ${r1(h.rpy)}°, body ${r1(bodyDeg)}°): the daemon's ` +
          `automatic body-yaw rule does not wrap and would swing the body; turn the body less far or the head back toward 0°`,
      );
    }
    const tilted = heading === h.rpy ? '' : ` (for this tilted head the daemon's yaw is ${r1(h.daemon)}°)`;
    throw new DriverRefusal(
      'range',
      `${prefix}the head heading ${r1(h.rpy)}°${tilted} would be ${r1(diff)}° from ${bodyText}: ` +
        `${rangeMessage('head_body_yaw_diff_deg', diff, { min: -lim, max: lim })}${hint}`,
    );
  }
  const why = headReachProblem(m, body);
  if (why) {
    throw new DriverRefusal(
      'range',
      `${prefix}the head cannot reach this pose (pitch ${r1(rad2deg(p.pitch))}°, roll ${r1(rad2deg(p.roll))}°, ` +
        `x/y/z ${r1(p.x * 1000)}/${r1(p.y * 1000)}/${r1(p.z * 1000)} mm, ${r1(angleDiffDeg(h.rpy, bodyDeg))}° from the body): ` +
        `${why}; reduce z_mm, x_mm/y_mm, pitch or roll`,
    );
  }
}

/** Samples along an interpolated move where the daemon's yaw convention is checked. */
const PATH_SAMPLES = 48;

/**
 * An interpolated move, as the daemon plays it (head: yaw as a scalar plus the tilt slerped; body: linear), from
 * the observed pair to the target pair. The daemon's automatic rule measures the head with −atan2(R01, R00) of the
 * world pose, which for a tilted head changes with the body angle (a head 60° left, pitched and rolled 30°, reads
 * 64° at body 0° and 74° at body 90°): a long body turn can pass beyond 65° in that convention while both ends are
 * within, and the daemon would then drag the body mid-move. Refused, unless the robot already starts beyond.
 */
export function assertSafePath(
  start: { head: Mat4; bodyYaw: number },
  end: { head: Mat4; bodyYaw: number },
  ctx: GateContext = {},
): void {
  const lim = LIMITS.headBodyYawDiffDeg;
  const offset = (head: Mat4, body: number): number => Math.abs(headingsDeg(head).daemon - rad2deg(body));
  const allowed = Math.max(lim, offset(start.head, start.bodyYaw)) + EPS;
  let worst = 0;
  let worstBody = 0;
  for (let i = 1; i < PATH_SAMPLES; i++) {
    const s = i / PATH_SAMPLES;
    const body = start.bodyYaw + (end.bodyYaw - start.bodyYaw) * s;
    const d = offset(interpolatePose(start.head, end.head, s), body);
    if (d > worst) {
      worst = d;
      worstBody = body;
    }
  }
  if (worst <= allowed) return;
  const prefix = ctx.what ? `${ctx.what}: ` : '';
  throw new DriverRefusal(
    'range',
    `${prefix}on the way (body near ${r1(rad2deg(worstBody))}°) the daemon would see the tilted head ${r1(worst)}° from the ` +
      `body, outside safe range [-${lim}, ${lim}], and move the body itself (its head-yaw reading of a tilted head ` +
      `changes with the body angle); turn in smaller steps, level the head (pitch/roll toward 0) first, or use duration_s 0`,
  );
}
