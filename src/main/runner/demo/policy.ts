/**
 * The demo policy: turn the head toward the most changed region of the image (while the head is still, so the
 * change is not our own motion), else toward the brightest region. Without a camera it sweeps slowly. It reads
 * and writes the Reachy connector's layouts, and keeps every target well inside the driver's limits.
 */
import sharp from 'sharp';
import { LIMITS } from '../../../shared/reachy';
import { ACTION_LAYOUT, idx } from '../connectors/reachy-layout';
import type { RgbFrame } from '../types';

const GW = 32;
const GH = 18;

export interface DemoPolicyOptions {
  /** Rows per chunk (default 5). */
  chunkLen?: number;
  /** Fraction of the angular error corrected per chunk (default 0.5). */
  gain?: number;
  /** Horizontal field of view of the camera (default 90°, the simulator's pinhole: fx = width/2). */
  hfovDeg?: number;
  /** Mean absolute grey-level change (0-255) of a cell that counts as motion (default 25). */
  motionThreshold?: number;
}

export interface DemoDecision {
  actions: number[][];
  /** Which cue drove the decision. */
  cue: 'motion' | 'brightest' | 'sweep';
  target: { yawDeg: number; pitchDeg: number };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

async function grey(frame: RgbFrame): Promise<Float32Array> {
  const buf = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(GW, GH, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
  return Float32Array.from(buf.subarray(0, GW * GH));
}

export class DemoPolicy {
  private prev: Float32Array | null = null;
  private prevHead: [number, number] | null = null;
  private t = 0;
  constructor(private readonly opts: DemoPolicyOptions = {}) {}

  async act(state: number[], image: RgbFrame | undefined): Promise<DemoDecision> {
    const chunkLen = this.opts.chunkLen ?? 5;
    const gain = this.opts.gain ?? 0.5;
    const cur = ACTION_LAYOUT.map((_, i) => (Number.isFinite(state[i]) ? state[i] : 0));
    const yaw = cur[idx('head_yaw_deg')];
    const pitch = cur[idx('head_pitch_deg')];
    const body = cur[idx('body_yaw_deg')];
    let cue: DemoDecision['cue'] = 'sweep';
    let dYaw: number;
    let dPitch = 0;
    if (image) {
      const g = await grey(image);
      const still = this.prevHead !== null && Math.abs(this.prevHead[0] - yaw) < 0.5 && Math.abs(this.prevHead[1] - pitch) < 0.5;
      let best = -1;
      let bestVal = -Infinity;
      if (this.prev && still) {
        for (let i = 0; i < g.length; i++) {
          const d = Math.abs(g[i] - this.prev[i]);
          if (d > bestVal) {
            bestVal = d;
            best = i;
          }
        }
        if (bestVal >= (this.opts.motionThreshold ?? 25)) cue = 'motion';
        else best = -1;
      }
      if (best < 0) {
        // Brightest 3x3 neighbourhood (a lone hot pixel should not win).
        bestVal = -Infinity;
        for (let y = 1; y < GH - 1; y++)
          for (let x = 1; x < GW - 1; x++) {
            let s = 0;
            for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += g[(y + dy) * GW + x + dx];
            if (s > bestVal) {
              bestVal = s;
              best = y * GW + x;
            }
          }
        cue = 'brightest';
      }
      this.prev = g;
      const u = ((best % GW) + 0.5) / GW; // 0..1 across the image
      const v = (Math.floor(best / GW) + 0.5) / GH;
      const fx = 0.5 / Math.tan(((this.opts.hfovDeg ?? 90) * Math.PI) / 360); // in image widths
      const fy = fx * (image.width / image.height);
      dYaw = (-Math.atan((u - 0.5) / fx) * 180) / Math.PI; // right of centre → turn right (negative yaw)
      dPitch = (Math.atan((v - 0.5) / fy) * 180) / Math.PI; // below centre → nose down (positive pitch)
    } else {
      this.t += 1;
      dYaw = 30 * Math.sin(this.t / 8) - (yaw - body);
    }
    this.prevHead = [yaw, pitch];
    // Stay well inside the limits: ±40° head yaw from the body (driver: ±45), ±25° pitch (driver: ±30).
    const maxRel = LIMITS.headYawDeg.max - 5;
    const maxPitch = LIMITS.headPitchDeg.max - 5;
    const targetYaw = clamp(yaw + gain * dYaw, body - maxRel, body + maxRel);
    const targetPitch = clamp(pitch + gain * dPitch, -maxPitch, maxPitch);
    const actions: number[][] = [];
    for (let k = 1; k <= chunkLen; k++) {
      const a = [...cur];
      const f = k / chunkLen;
      a[idx('head_roll_deg')] = cur[idx('head_roll_deg')] * (1 - f); // level the head
      a[idx('head_yaw_deg')] = yaw + (targetYaw - yaw) * f;
      a[idx('head_pitch_deg')] = pitch + (targetPitch - pitch) * f;
      // Translation, body yaw and antennas are held where they are (kept inside the head's translation limits).
      for (const n of ['head_x_mm', 'head_y_mm', 'head_z_mm'] as const) a[idx(n)] = clamp(a[idx(n)], -45, 45);
      actions.push(a.map((x) => Math.round(x * 1000) / 1000));
    }
    return { actions, cue, target: { yawDeg: targetYaw, pitchDeg: targetPitch } };
  }
}
