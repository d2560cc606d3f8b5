/**
 * The last gate before the daemon: every target the driver sends (realtime or interpolated), in the daemon's units,
 * is checked against docs/SAFETY.md limits here, whatever function built it. Nothing out of range reaches the robot even if
 * a function computes a target wrongly. Throws DriverRefusal('range') naming the derived field.
 */
import { mat4ToPose, rad2deg, yawOf, type Mat4 } from '../../shared/kinematics';
import { LIMITS } from '../../shared/reachy';
import { angleDiffDeg, checkRange, DriverRefusal, headBodyOffsetDeg } from './limits';

/** Floating-point slack for values computed from degrees (a 30° request may come back as 30.0000000001°). */
const EPS = 1e-6;
const widen = (r: { min: number; max: number }) => ({ min: r.min - EPS, max: r.max + EPS });
const round = (v: number): number => Math.round(v * 1000) / 1000;

export interface GateInput {
  headPose?: Mat4 | null;
  /** rad; the body yaw the head is checked against (requested, else observed). */
  bodyYaw?: number | null;
  /** [right, left] rad */
  antennas?: [number, number] | null;
  durationS?: number;
}

export function assertSafeTarget(t: GateInput, observedBodyYaw: number | null): void {
  if (t.durationS !== undefined) checkRange('duration_s', t.durationS, widen(LIMITS.durationS));
  if (t.bodyYaw != null) checkRange('body_yaw_deg', round(rad2deg(t.bodyYaw)), widen(LIMITS.bodyYawDeg));
  if (t.antennas) {
    checkRange('right', round(rad2deg(t.antennas[0])), widen(LIMITS.antennaDeg));
    checkRange('left', round(rad2deg(t.antennas[1])), widen(LIMITS.antennaDeg));
  }
  if (t.headPose) {
    const m = t.headPose;
    if (m.length !== 16 || !m.every(Number.isFinite)) throw new DriverRefusal('range', 'head pose is not a finite 4x4 matrix');
    const p = mat4ToPose(m);
    checkRange('pitch', round(rad2deg(p.pitch)), widen(LIMITS.headPitchDeg));
    checkRange('roll', round(rad2deg(p.roll)), widen(LIMITS.headRollDeg));
    checkRange('x_mm', round(p.x * 1000), widen(LIMITS.headXmm));
    checkRange('y_mm', round(p.y * 1000), widen(LIMITS.headYmm));
    checkRange('z_mm', round(p.z * 1000), widen(LIMITS.headZmm));
    const body = t.bodyYaw ?? observedBodyYaw;
    if (body == null) {
      throw new DriverRefusal('state', 'no observed body yaw from the daemon yet; cannot check the head–body yaw rule');
    }
    const heading = rad2deg(yawOf(m));
    const diff = round(headBodyOffsetDeg(heading, rad2deg(body)));
    const lim = LIMITS.headBodyYawDiffDeg;
    if (Math.abs(diff) > lim + EPS && Math.abs(angleDiffDeg(heading, rad2deg(body))) <= lim + EPS) {
      throw new DriverRefusal(
        'range',
        `head heading would cross ±180° (heading ${round(heading)}°, body ${round(rad2deg(body))}°): the daemon's ` +
          `automatic body-yaw rule does not wrap and would swing the body; turn the body less far or the head back toward 0°`,
      );
    }
    checkRange('head_body_yaw_diff_deg', diff, widen({ min: -lim, max: lim }));
  }
}
