/**
 * Ground-truth helpers: a seeded procedural 360° scene and a pinhole renderer from an equirectangular image,
 * with exactly the camera model of src/shared/camera-model.ts. Used by the stitcher's tests, the B6 benchmark and
 * as a fallback scene when the simulator's shipped scene is missing.
 */
import type { Intrinsics } from '../../shared/camera-model';
import { equirectToDir, pixelToWorldRay } from '../../shared/camera-model';
import type { Mat3 } from '../../shared/kinematics';
import { createRng } from '../../shared/rng';

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A textured room-like equirect scene: smooth colour gradients, random posters and discs, a 10° grid. */
export function proceduralScene(width: number, height: number, seed = 7): RgbImage {
  const rnd = createRng(seed).next;
  const data = new Uint8Array(width * height * 3);
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) {
      const d = equirectToDir(u + 0.5, v + 0.5, width, height);
      const o = (v * width + u) * 3;
      data[o] = 110 + 60 * d[0];
      data[o + 1] = 110 + 60 * d[1];
      data[o + 2] = 120 + 70 * d[2];
    }
  const shapes = Math.round((width * height) / 2500);
  for (let s = 0; s < shapes; s++) {
    const cu = rnd() * width, cv = height * (0.1 + 0.8 * rnd());
    const rw = 3 + rnd() * width * 0.02, rh = 3 + rnd() * height * 0.03;
    const col = [rnd() * 255, rnd() * 255, rnd() * 255];
    const disc = rnd() < 0.5;
    for (let v = Math.max(0, Math.floor(cv - rh)); v < Math.min(height, Math.ceil(cv + rh)); v++)
      for (let uu = Math.floor(cu - rw); uu < Math.ceil(cu + rw); uu++) {
        if (disc && ((uu - cu) / rw) ** 2 + ((v - cv) / rh) ** 2 > 1) continue;
        const u = ((uu % width) + width) % width;
        const o = (v * width + u) * 3;
        data[o] = col[0];
        data[o + 1] = col[1];
        data[o + 2] = col[2];
      }
  }
  const stepU = width / 36, stepV = height / 18;
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) {
      if (u % stepU < 1 || v % stepV < 1) {
        const o = (v * width + u) * 3;
        data[o] = 20;
        data[o + 1] = 20;
        data[o + 2] = 20;
      }
    }
  return { data, width, height };
}

/** Bilinear sample of an equirect image at continuous (u, v) with pixel centres at +0.5, wrapping in u. */
function sampleEquirect(img: RgbImage, u: number, v: number, out: Uint8Array, o: number): void {
  const { width: W, height: H, data } = img;
  let x = u - 0.5;
  let y = v - 0.5;
  if (y < 0) y = 0;
  if (y > H - 1) y = H - 1;
  x = ((x % W) + W) % W;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = (x0 + 1) % W, y1 = Math.min(H - 1, y0 + 1);
  const tx = x - x0, ty = y - y0;
  for (let c = 0; c < 3; c++) {
    const a = data[(y0 * W + x0) * 3 + c], b = data[(y0 * W + x1) * 3 + c];
    const d = data[(y1 * W + x0) * 3 + c], e = data[(y1 * W + x1) * 3 + c];
    out[o + c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty + 0.5;
  }
}

/** What a pinhole camera with intrinsics k and orientation rWorldCam sees of an equirect scene at infinity. */
export function renderPinhole(scene: RgbImage, k: Intrinsics, rWorldCam: Mat3): RgbImage {
  const data = new Uint8Array(k.width * k.height * 3);
  for (let j = 0; j < k.height; j++)
    for (let i = 0; i < k.width; i++) {
      const d = pixelToWorldRay(k, rWorldCam, i + 0.5, j + 0.5);
      const lon = Math.atan2(d[1], d[0]);
      const lat = Math.asin(Math.max(-1, Math.min(1, d[2])));
      sampleEquirect(scene, scene.width * (0.5 - lon / (2 * Math.PI)), scene.height * (0.5 - lat / Math.PI), data, (j * k.width + i) * 3);
    }
  return { data, width: k.width, height: k.height };
}
