/**
 * Detection on the driver side (docs/PRIOR-ART.md §B.2/B.3): audio RMS against a threshold, and motion as the fraction of
 * pixels whose luminance changed between two full frames. Only numbers leave the driver.
 */
import type { RgbFrame } from './types';

export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

export function confidence(value: number, threshold: number): number {
  if (threshold <= 0) return value > 0 ? 1 : 0;
  return Math.min(1, value / threshold);
}

/** Per-pixel luminance change (0–255) above which a pixel counts as changed; hides JPEG/render noise. */
export const MOTION_PIXEL_DELTA = 16;

/**
 * Fraction in [0, 1] of pixels whose luminance changed by more than MOTION_PIXEL_DELTA. Frames of different sizes
 * count as fully changed (the source switched resolution).
 */
export function motionMagnitude(prev: RgbFrame, next: RgbFrame): number {
  if (prev.width !== next.width || prev.height !== next.height) return 1;
  const a = prev.data;
  const b = next.data;
  const n = next.width * next.height;
  let changed = 0;
  // Integer luma (BT.601 weights ×256) for speed on full 1280×720 frames.
  const limit = MOTION_PIXEL_DELTA * 256;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const d = 77 * (a[i] - b[i]) + 150 * (a[i + 1] - b[i + 1]) + 29 * (a[i + 2] - b[i + 2]);
    if (d > limit || d < -limit) changed++;
  }
  return changed / n;
}
