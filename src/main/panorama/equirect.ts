/**
 * Reprojection of pinhole frames into one equirectangular panorama (src/shared/camera-model.ts conventions, the
 * same model the simulator's camera renders with). Pure and allocation-light: output directions are precomputed
 * once as separable per-column (cos/sin longitude) and per-row (cos/sin latitude) tables, each frame costs one
 * rotation, and only the output window a frame can see is visited. Seams are feathered: each sample is weighted
 * by its distance to the nearest frame edge, so overlapping frames fade into each other instead of cutting.
 */
import type { Intrinsics } from '../../shared/camera-model';
import { scaleIntrinsics } from '../../shared/camera-model';
import type { Mat3 } from '../../shared/kinematics';

export interface StitchFrame {
  /** Interleaved 8-bit pixels, `channels` per pixel (RGB = 3; a 4th channel is ignored). */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
  /** Rotation world ← camera optical frame (cameraRotation(headPose)). */
  rWorldCam: Mat3;
}

export interface EquirectImage {
  data: Uint8Array; // RGB
  width: number;
  height: number;
  /** Fraction of output pixels that received at least one frame. */
  coverage: number;
  /** Per-pixel summed blend weight (0 = uncovered); useful to mask comparisons. */
  weight: Float32Array;
}

export interface StitchOptions {
  /** Intrinsics of the camera at its native size; scaled to each frame's width (aspect kept). */
  intrinsics: Intrinsics;
  width: number;
  height?: number;
  /** RGB for uncovered pixels (default black). */
  background?: [number, number, number];
}

/** Output width matching the frames' angular resolution at their centre (rounded to a multiple of 64). */
export function autoEquirectWidth(k: Intrinsics, frameWidth: number): number {
  const s = scaleIntrinsics(k, frameWidth);
  const w = 2 * Math.PI * s.fx;
  return Math.max(256, Math.min(8192, Math.round(w / 64) * 64));
}

interface Tables {
  cosLon: Float64Array;
  sinLon: Float64Array;
  cosLat: Float64Array;
  sinLat: Float64Array;
}

const tableCache = new Map<string, Tables>();

/**
 * scaleIntrinsics, local to this module: the stitch worker runs this module's functions from their source text,
 * where only names defined here resolve.
 */
export function scaledK(k: Intrinsics, width: number): Intrinsics {
  const s = width / k.width;
  return { width, height: Math.round(k.height * s), fx: k.fx * s, fy: k.fy * s, cx: k.cx * s, cy: k.cy * s };
}

/** Exported for the stitch worker (stitch-worker.ts), which runs this module's code from its source text. */
export function tables(width: number, height: number): Tables {
  const key = `${width}x${height}`;
  let t = tableCache.get(key);
  if (t) return t;
  t = {
    cosLon: new Float64Array(width),
    sinLon: new Float64Array(width),
    cosLat: new Float64Array(height),
    sinLat: new Float64Array(height),
  };
  for (let u = 0; u < width; u++) {
    const lon = (0.5 - (u + 0.5) / width) * 2 * Math.PI;
    t.cosLon[u] = Math.cos(lon);
    t.sinLon[u] = Math.sin(lon);
  }
  for (let v = 0; v < height; v++) {
    const lat = (0.5 - (v + 0.5) / height) * Math.PI;
    t.cosLat[v] = Math.cos(lat);
    t.sinLat[v] = Math.sin(lat);
  }
  if (tableCache.size > 8) tableCache.clear();
  tableCache.set(key, t);
  return t;
}

/** Output window (rows, and columns as a start + count that may wrap) a frame can project into. */
export function frameWindow(k: Intrinsics, r: Mat3, width: number, height: number): { v0: number; v1: number; u0: number; nu: number } {
  // Optical axis in the world frame = third column of R.
  const ax = r[2], ay = r[5], az = r[8];
  const lat0 = Math.asin(Math.max(-1, Math.min(1, az)));
  const lon0 = Math.atan2(ay, ax);
  const halfDiag = Math.atan(Math.hypot(Math.max(k.cx, k.width - k.cx) / k.fx, Math.max(k.cy, k.height - k.cy) / k.fy));
  const margin = (2 * Math.PI) / width; // one output pixel
  const latMin = lat0 - halfDiag - margin;
  const latMax = lat0 + halfDiag + margin;
  const v0 = Math.max(0, Math.floor(height * (0.5 - Math.min(Math.PI / 2, latMax) / Math.PI)));
  const v1 = Math.min(height - 1, Math.ceil(height * (0.5 - Math.max(-Math.PI / 2, latMin) / Math.PI)));
  if (latMax >= Math.PI / 2 || latMin <= -Math.PI / 2) return { v0, v1, u0: 0, nu: width };
  const s = Math.sin(halfDiag) / Math.cos(lat0);
  if (s >= 1) return { v0, v1, u0: 0, nu: width };
  const dLon = Math.asin(s) + margin;
  const uc = width * (0.5 - lon0 / (2 * Math.PI));
  const half = (dLon / (2 * Math.PI)) * width;
  const nu = Math.min(width, Math.ceil(2 * half) + 2);
  const u0 = (((Math.floor(uc - half) - 1) % width) + width) % width;
  return { v0, v1, u0, nu };
}

/** Accumulates frames; call add() per frame then finish(). Lets callers stream frames without holding them all. */
export class EquirectAccumulator {
  readonly width: number;
  readonly height: number;
  private readonly acc: Float32Array;
  private readonly wsum: Float32Array;
  private readonly t: Tables;

  constructor(
    private readonly opts: StitchOptions,
  ) {
    this.width = opts.width;
    this.height = opts.height ?? Math.round(opts.width / 2);
    this.acc = new Float32Array(this.width * this.height * 3);
    this.wsum = new Float32Array(this.width * this.height);
    this.t = tables(this.width, this.height);
  }

  add(f: StitchFrame): void {
    const k = scaledK(this.opts.intrinsics, f.width);
    const { fx, fy, cx, cy } = k;
    const fw = f.width, fh = f.height, ch = f.channels, src = f.data;
    const r = f.rWorldCam;
    // camera ← world = Rᵀ; c = cosLat·(cosLon·Rᵀe0 + sinLon·Rᵀe1) + sinLat·Rᵀe2, Rᵀeⱼ = row j of R.
    const r00 = r[0], r01 = r[1], r02 = r[2], r10 = r[3], r11 = r[4], r12 = r[5], r20 = r[6], r21 = r[7], r22 = r[8];
    const { cosLon, sinLon, cosLat, sinLat } = this.t;
    const W = this.width;
    const win = frameWindow({ ...k, height: fh }, r, W, this.height);
    const acc = this.acc, wsum = this.wsum;
    const maxX = fw - 1, maxY = fh - 1;
    for (let v = win.v0; v <= win.v1; v++) {
      const cl = cosLat[v], sl = sinLat[v];
      const ax = cl * r00, ay = cl * r01, az = cl * r02;
      const bx = cl * r10, by = cl * r11, bz = cl * r12;
      const cx0 = sl * r20, cy0 = sl * r21, cz0 = sl * r22;
      const row = v * W;
      for (let i = 0; i < win.nu; i++) {
        let u = win.u0 + i;
        if (u >= W) u -= W;
        const co = cosLon[u], si = sinLon[u];
        // camera coords: X = r00·dx + r10·dy + r20·dz, Y and Z from R's columns 1 and 2
        const X = ax * co + bx * si + cx0;
        const Y = ay * co + by * si + cy0;
        const Z = az * co + bz * si + cz0;
        if (Z <= 1e-6) continue;
        const px = (fx * X) / Z + cx; // continuous pixel coordinate (pixel centres at +0.5)
        const py = (fy * Y) / Z + cy;
        if (px < 0 || py < 0 || px > fw || py > fh) continue;
        // Feather: distance (px) to the nearest frame edge.
        const w = Math.min(px, fw - px, py, fh - py);
        if (w <= 0) continue;
        let sx = px - 0.5, sy = py - 0.5;
        if (sx < 0) sx = 0; else if (sx > maxX) sx = maxX;
        if (sy < 0) sy = 0; else if (sy > maxY) sy = maxY;
        const x0 = sx | 0, y0 = sy | 0;
        const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
        const tx = sx - x0, ty = sy - y0;
        const i00 = (y0 * fw + x0) * ch, i01 = (y0 * fw + x1) * ch, i10 = (y1 * fw + x0) * ch, i11 = (y1 * fw + x1) * ch;
        const w00 = (1 - tx) * (1 - ty), w01 = tx * (1 - ty), w10 = (1 - tx) * ty, w11 = tx * ty;
        const o = row + u, o3 = o * 3;
        acc[o3] += w * (src[i00] * w00 + src[i01] * w01 + src[i10] * w10 + src[i11] * w11);
        acc[o3 + 1] += w * (src[i00 + 1] * w00 + src[i01 + 1] * w01 + src[i10 + 1] * w10 + src[i11 + 1] * w11);
        acc[o3 + 2] += w * (src[i00 + 2] * w00 + src[i01 + 2] * w01 + src[i10 + 2] * w10 + src[i11 + 2] * w11);
        wsum[o] += w;
      }
    }
  }

  finish(): EquirectImage {
    const n = this.width * this.height;
    const out = new Uint8Array(n * 3);
    const bg = this.opts.background ?? [0, 0, 0];
    let covered = 0;
    for (let o = 0; o < n; o++) {
      const w = this.wsum[o];
      const o3 = o * 3;
      if (w > 0) {
        covered++;
        const inv = 1 / w;
        out[o3] = this.acc[o3] * inv + 0.5;
        out[o3 + 1] = this.acc[o3 + 1] * inv + 0.5;
        out[o3 + 2] = this.acc[o3 + 2] * inv + 0.5;
      } else {
        out[o3] = bg[0];
        out[o3 + 1] = bg[1];
        out[o3 + 2] = bg[2];
      }
    }
    return { data: out, width: this.width, height: this.height, coverage: covered / n, weight: this.wsum };
  }
}

export function stitchEquirect(frames: StitchFrame[], opts: StitchOptions): EquirectImage {
  const a = new EquirectAccumulator(opts);
  for (const f of frames) a.add(f);
  return a.finish();
}
