/**
 * Alignment of a stitched equirect panorama against a ground-truth scene of the same size: for textured patches
 * that the panorama fully covers, the integer shift (±radius px) that maximises normalised cross-correlation,
 * refined to sub-pixel with a parabola through the peak. The median shift length is the alignment error in
 * output pixels. Pure; used by the simulator test and the B6 accuracy figure.
 */
export interface AlignmentReport {
  medianErrorPx: number;
  p90ErrorPx: number;
  patches: number;
  /** Patches whose best correlation was too weak to trust (skipped). */
  rejected: number;
}

function toGray(rgb: Uint8Array, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return g;
}

export function measureAlignment(
  out: { data: Uint8Array; width: number; height: number; weight?: Float32Array },
  ref: { data: Uint8Array; width: number; height: number },
  opts: { patch?: number; stride?: number; radius?: number; maxAbsLatDeg?: number; minStd?: number } = {},
): AlignmentReport {
  if (out.width !== ref.width || out.height !== ref.height) throw new Error('measureAlignment: images differ in size');
  const W = out.width, H = out.height;
  const P = opts.patch ?? 24, S = opts.stride ?? 32, R = opts.radius ?? 6;
  const maxLat = opts.maxAbsLatDeg ?? 60;
  const minStd = opts.minStd ?? 12;
  const a = toGray(out.data, W * H);
  const b = toGray(ref.data, W * H);
  const errs: number[] = [];
  let rejected = 0;
  const vMin = Math.max(R, Math.ceil(H * (0.5 - maxLat / 180))), vMax = Math.min(H - R - P, Math.floor(H * (0.5 + maxLat / 180)) - P);
  const score = new Float64Array((2 * R + 1) * (2 * R + 1));
  for (let v0 = vMin; v0 <= vMax; v0 += S)
    for (let u0 = R; u0 + P + R <= W; u0 += S) {
      // Patch of the panorama: fully covered, textured.
      let covered = true, sum = 0, sum2 = 0;
      for (let y = 0; y < P && covered; y++)
        for (let x = 0; x < P; x++) {
          const i = (v0 + y) * W + u0 + x;
          if (out.weight && !(out.weight[i] > 0)) {
            covered = false;
            break;
          }
          sum += a[i];
          sum2 += a[i] * a[i];
        }
      if (!covered) continue;
      const n = P * P, meanA = sum / n, varA = sum2 / n - meanA * meanA;
      if (varA < minStd * minStd) continue;
      let best = -2, bi = 0;
      for (let dy = -R; dy <= R; dy++)
        for (let dx = -R; dx <= R; dx++) {
          let sb = 0, sb2 = 0, sab = 0;
          for (let y = 0; y < P; y++) {
            const ra = (v0 + y) * W + u0, rb = (v0 + y + dy) * W + u0 + dx;
            for (let x = 0; x < P; x++) {
              const vb = b[rb + x];
              sb += vb;
              sb2 += vb * vb;
              sab += a[ra + x] * vb;
            }
          }
          const meanB = sb / n, varB = sb2 / n - meanB * meanB;
          const cov = sab / n - meanA * meanB;
          const ncc = varB > 1e-6 ? cov / Math.sqrt(varA * varB) : -1;
          const k = (dy + R) * (2 * R + 1) + dx + R;
          score[k] = ncc;
          if (ncc > best) {
            best = ncc;
            bi = k;
          }
        }
      if (best < 0.6) {
        rejected++;
        continue;
      }
      const by = Math.floor(bi / (2 * R + 1)) - R, bx = (bi % (2 * R + 1)) - R;
      const sub = (m: number, c: number, p: number): number => {
        const den = m - 2 * c + p;
        return Math.abs(den) > 1e-9 ? Math.max(-0.5, Math.min(0.5, (0.5 * (m - p)) / den)) : 0;
      };
      const at = (dx: number, dy: number) => score[(dy + R) * (2 * R + 1) + dx + R];
      const fx = Math.abs(bx) < R ? bx + sub(at(bx - 1, by), at(bx, by), at(bx + 1, by)) : bx;
      const fy = Math.abs(by) < R ? by + sub(at(bx, by - 1), at(bx, by), at(bx, by + 1)) : by;
      errs.push(Math.hypot(fx, fy));
    }
  errs.sort((x, y) => x - y);
  const q = (p: number) => (errs.length ? errs[Math.min(errs.length - 1, Math.floor(p * errs.length))] : NaN);
  return { medianErrorPx: q(0.5), p90ErrorPx: q(0.9), patches: errs.length, rejected };
}
