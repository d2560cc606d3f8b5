/**
 * Scan planner: body-yaw × pitch × head-yaw grids as the prior tool (docs/PRIOR-ART.md §B.6), with every pose
 * inside the driver's LIMITS and the head–body rule. Head yaw is relative to the body (look_at_world frame:"body"),
 * so |head world yaw − body yaw| = |head yaw| ≤ 45° < 65° by construction and the body never gets dragged.
 * Pure: no I/O.
 */
import { LIMITS } from '../../shared/reachy';
import type { Intrinsics } from '../../shared/camera-model';
import { SIM_CAMERA } from '../../shared/camera-model';
import type { PanoramaPlanSummary, PanoramaPose, PanoramaScanOptions } from '../../shared/console-api/panorama';

export const DEFAULT_STEPS = { bodyYawSteps: 5, pitchSteps: 3, yawSteps: 5 } as const;

/**
 * A head heading past ±180° wraps, and the daemon's automatic body-yaw rule (docs/DAEMON.md §6.3: ψ_b' = clamp(ψ_h −
 * clamp(ψ_h − ψ_b, ±65°), ±160°), no wrapping) then swings the body most of a turn: body −160° with head −45°
 * (world −205° = +155°) drags the body to +90°. Poses whose world yaw would pass ±(180° − margin) are left out; the
 * opposite end of the body range sees those directions anyway.
 */
export const WORLD_YAW_MARGIN_DEG = 0.5;
export const worldYawSafe = (bodyYawDeg: number, headYawDeg: number): boolean =>
  Math.abs(bodyYawDeg + headYawDeg) <= 180 - WORLD_YAW_MARGIN_DEG;

export interface PlanInput {
  options: PanoramaScanOptions;
  /** Camera model used to pick --full-360 steps and to describe coverage (default: the simulator's). */
  intrinsics?: Intrinsics;
}

export function fovDeg(k: Intrinsics): { h: number; v: number } {
  return {
    h: (2 * Math.atan(Math.max(k.cx, k.width - k.cx) / k.fx) * 180) / Math.PI,
    v: (2 * Math.atan(Math.max(k.cy, k.height - k.cy) / k.fy) * 180) / Math.PI,
  };
}

/** n evenly spaced values across [−half, +half]; one step = the centre. Rounded to 0.01° for readable names. */
export function spread(n: number, half: number): number[] {
  if (n <= 1 || half === 0) return [0];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round((-half + (2 * half * i) / (n - 1)) * 100) / 100 + 0);
  return out;
}

const wrap360 = (d: number): number => ((d % 360) + 360) % 360;

/** Coverage of a set of world yaws (degrees): span, largest circular gap between neighbouring centres. */
export function yawCoverage(worldYaws: number[], hfov: number): { spanDeg: number; largestGapDeg: number; likelyFull360: boolean } {
  if (worldYaws.length === 0) return { spanDeg: 0, largestGapDeg: 360, likelyFull360: false };
  const s = [...new Set(worldYaws.map((y) => Math.round(wrap360(y) * 1000) / 1000))].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 0; i < s.length; i++) {
    const next = i + 1 < s.length ? s[i + 1] : s[0] + 360;
    gap = Math.max(gap, next - s[i]);
  }
  if (s.length === 1) gap = 360;
  // Span seen by the camera: 360 minus the part of the largest gap no frame sees.
  const span = Math.min(360, 360 - Math.max(0, gap - hfov));
  // The prior tool's rule (largest gap ≤ 25°) assumed narrow steps; with a wide camera what matters is that
  // neighbouring frames still overlap.
  return { spanDeg: round2(span), largestGapDeg: round2(gap), likelyFull360: gap < hfov };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** Smallest grid whose neighbouring frames overlap by ≥ overlapDeg all around (yaw) and over the pitch span. */
export function stepsFor360(
  hfov: number,
  vfov: number,
  overlapDeg: number,
  ranges: { bodyYawRangeDeg: number; yawRangeDeg: number; pitchRangeDeg: number },
): { bodyYawSteps: number; yawSteps: number; pitchSteps: number; achieved: boolean } {
  const stride = Math.max(1, hfov - overlapDeg);
  let best: { bodyYawSteps: number; yawSteps: number; frames: number } | null = null;
  for (let b = 1; b <= 25; b++) {
    for (let h = 1; h <= 25; h++) {
      const bodies = spread(b, ranges.bodyYawRangeDeg);
      const heads = spread(h, ranges.yawRangeDeg);
      const world = bodies.flatMap((bb) => heads.filter((hh) => worldYawSafe(bb, hh)).map((hh) => bb + hh));
      const cov = yawCoverage(world, hfov);
      if (cov.largestGapDeg <= stride + 1e-6 && (!best || b * h < best.frames || (b * h === best.frames && b < best.bodyYawSteps))) {
        best = { bodyYawSteps: b, yawSteps: h, frames: b * h };
      }
    }
  }
  const vstride = Math.max(1, vfov - overlapDeg);
  const pitchSteps = ranges.pitchRangeDeg === 0 ? 1 : Math.max(1, Math.ceil((2 * ranges.pitchRangeDeg) / vstride) + 1);
  if (!best) return { bodyYawSteps: 25, yawSteps: 5, pitchSteps, achieved: false };
  return { bodyYawSteps: best.bodyYawSteps, yawSteps: best.yawSteps, pitchSteps, achieved: true };
}

export interface ScanPlan extends PanoramaPlanSummary {
  options: PanoramaScanOptions;
}

/** Errors naming the option and its allowed range; thrown before anything moves. */
export class PlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

function checkPose(p: PanoramaPose): void {
  const inRange = (v: number, r: { min: number; max: number }) => v >= r.min - 1e-9 && v <= r.max + 1e-9;
  if (!inRange(p.bodyYawDeg, LIMITS.bodyYawDeg)) throw new PlanError('bodyYawDeg', `body_yaw=${p.bodyYawDeg} outside safe range [${LIMITS.bodyYawDeg.min}, ${LIMITS.bodyYawDeg.max}]`);
  if (!inRange(p.pitchDeg, LIMITS.headPitchDeg)) throw new PlanError('pitchDeg', `pitch=${p.pitchDeg} outside safe range [${LIMITS.headPitchDeg.min}, ${LIMITS.headPitchDeg.max}]`);
  if (!inRange(p.headYawDeg, LIMITS.headYawDeg)) throw new PlanError('yawDeg', `yaw=${p.headYawDeg} outside safe range [${LIMITS.headYawDeg.min}, ${LIMITS.headYawDeg.max}]`);
  if (Math.abs(p.headYawDeg) > LIMITS.headBodyYawDiffDeg) throw new PlanError('yawDeg', `head-body yaw difference ${p.headYawDeg} exceeds ${LIMITS.headBodyYawDiffDeg}`);
}

export function planScan(input: PlanInput): ScanPlan {
  const o = input.options;
  const k = input.intrinsics ?? SIM_CAMERA;
  const fov = fovDeg(k);
  const notes: string[] = [];
  let { bodyYawSteps, pitchSteps, yawSteps }: { bodyYawSteps: number; pitchSteps: number; yawSteps: number } = { ...DEFAULT_STEPS };
  if (o.full360) {
    const s = stepsFor360(fov.h, fov.v, o.overlapDeg, o);
    ({ bodyYawSteps, pitchSteps, yawSteps } = s);
    notes.push(
      s.achieved
        ? `--full-360: ${bodyYawSteps} body × ${yawSteps} head-yaw steps keep ≥${o.overlapDeg}° overlap for a ${round2(fov.h)}° camera`
        : `--full-360: the yaw ranges cannot close the circle with ${o.overlapDeg}° overlap; using the widest grid`,
    );
  }
  // Explicit counts win over the defaults and over --full-360's choice.
  bodyYawSteps = o.bodyYawSteps ?? bodyYawSteps;
  pitchSteps = o.pitchSteps ?? pitchSteps;
  yawSteps = o.yawSteps ?? yawSteps;

  const bodyYaws = spread(bodyYawSteps, o.bodyYawRangeDeg);
  const pitches = spread(pitchSteps, o.pitchRangeDeg);
  const headYaws = spread(yawSteps, o.yawRangeDeg);
  const poses: PanoramaPose[] = [];
  // Body outer, pitch middle, head yaw inner; pitch and head yaw sweep back and forth so consecutive poses stay close.
  let forward = true;
  let up = true;
  let skipped = 0;
  for (const bodyYawDeg of bodyYaws) {
    const column = up ? pitches : [...pitches].reverse();
    up = !up;
    for (const pitchDeg of column) {
      const row = forward ? headYaws : [...headYaws].reverse();
      forward = !forward;
      for (const headYawDeg of row) {
        if (!worldYawSafe(bodyYawDeg, headYawDeg)) {
          skipped++;
          continue;
        }
        const p = { bodyYawDeg, pitchDeg, headYawDeg };
        checkPose(p);
        poses.push(p);
      }
    }
  }
  if (skipped > 0) {
    notes.push(`${skipped} poses left out: their head heading would pass ±180°, where the robot's automatic body-yaw rule swings the body`);
  }
  const coverage = yawCoverage(poses.map((p) => p.bodyYawDeg + p.headYawDeg), fov.h);
  if (!coverage.likelyFull360) notes.push(`coverage: largest yaw gap ${coverage.largestGapDeg}°; not a full circle`);
  const estimatedSeconds = round2(bodyYaws.length * (o.bodyMoveS + o.settleS) + poses.length * (o.settleS + 0.15));
  return {
    options: o,
    poses,
    bodyYaws,
    pitches,
    headYaws,
    frames: poses.length,
    coverage,
    hfovDeg: round2(fov.h),
    vfovDeg: round2(fov.v),
    estimatedSeconds,
    notes,
  };
}

export function worldYawDeg(p: PanoramaPose): number {
  const w = wrap360(p.bodyYawDeg + p.headYawDeg + 180) - 180;
  return round2(w);
}
