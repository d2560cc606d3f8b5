/**
 * Generates the simulator's 360° scene (resources/scene/room_equirect.png): an equirectangular "room" drawn
 * from code, so it is ours to ship and its geometry is known exactly. Structure chosen so stitching and
 * projection errors are visible:
 *  - a dark meridian line every 15° of longitude and a parallel every 15° of latitude (horizon thicker);
 *  - 24 coloured wall panels (one per 15° sector, hue = sector·15°) labelled with their centre longitude
 *    in degrees ("007" … "352"), digits drawn from a built-in bitmap font (no system fonts needed);
 *  - a floor checkerboard below −25° latitude and a pale ceiling above +40°;
 *  - a fine deterministic brick texture on the walls so feature matchers have something to hold.
 * Longitude/column convention is the one of src/shared/camera-model.ts: u = W·(0.5 − λ/2π), λ = 0 forward.
 *
 * Run once: `npx tsx src/main/sim/media/scene-gen.ts [out.png] [width]` (output is committed).
 */
import { loadSharp } from '../../media';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdir, rename } from 'node:fs/promises';

/** Scene layout constants, exported so tests can predict what the camera sees. */
export const SCENE = {
  /** Meridian lines every `gridDeg` of longitude (starting at 0°) and latitude. */
  gridDeg: 15,
  /** Wall panels: centred in each 15° sector, ±panelHalfDeg wide, between these latitudes. */
  panelHalfDeg: 5,
  panelLatMin: -12,
  panelLatMax: 22,
  floorLat: -25,
  ceilingLat: 40,
  /** Grid line colour (pure dark grey, distinct from every panel colour). */
  lineRgb: [20, 20, 20] as const,
} as const;

// 5×7 bitmap digits (rows top → bottom, 5 bits each, MSB = left).
const FONT: Record<string, number[]> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
};

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (h / 60) % 6;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] =
    hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = v - c;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Deterministic hash noise in [0, 1). */
function hash2(a: number, b: number): number {
  let h = (a * 374761393 + b * 668265263) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

export function sectorColour(sector: number): [number, number, number] {
  return hsvToRgb((sector * 15) % 360, 0.65, 0.92);
}

/** Renders the scene into a raw RGB buffer (width × width/2 × 3). */
export function renderScene(width = 4096): { data: Buffer; width: number; height: number } {
  const height = width / 2;
  const data = Buffer.alloc(width * height * 3);
  const pxPerDeg = width / 360;
  const lineHalf = Math.max(1, Math.round(pxPerDeg * 0.2)); // ~0.4° wide lines
  for (let v = 0; v < height; v++) {
    const lat = 90 - ((v + 0.5) / height) * 180;
    for (let u = 0; u < width; u++) {
      // Longitude in [0, 360): λ = (0.5 − u/W)·360, wrapped.
      let lon = (0.5 - (u + 0.5) / width) * 360;
      if (lon < 0) lon += 360;
      let r: number;
      let g: number;
      let b: number;
      if (lat < SCENE.floorLat) {
        const cu = Math.floor(lon / 7.5);
        const cv = Math.floor(lat / 5);
        const dark = (cu + cv) & 1;
        [r, g, b] = dark ? [120, 84, 52] : [196, 160, 112];
      } else if (lat > SCENE.ceilingLat) {
        const t = hash2(Math.floor(lon * 2), Math.floor(lat * 2)) * 10;
        [r, g, b] = [232 - t, 232 - t, 224 - t];
      } else {
        // Wall: warm white bricks (1.5° × 1°) with mortar and a little deterministic tint.
        const row = Math.floor(lat / 1.0);
        const col = Math.floor((lon + (row & 1 ? 0.75 : 0)) / 1.5);
        const t = hash2(col, row) * 24;
        const fl = lat - Math.floor(lat);
        const fc = (lon + (row & 1 ? 0.75 : 0)) / 1.5 - col;
        const mortar = fl < 0.08 || fc < 0.05;
        [r, g, b] = mortar ? [170, 165, 158] : [214 - t, 206 - t, 192 - t];
        const sector = Math.floor(lon / 15);
        const centre = sector * 15 + 7.5;
        if (Math.abs(lon - centre) <= SCENE.panelHalfDeg && lat >= SCENE.panelLatMin && lat <= SCENE.panelLatMax) {
          [r, g, b] = sectorColour(sector);
          const border = Math.abs(lon - centre) > SCENE.panelHalfDeg - 0.35 || lat < SCENE.panelLatMin + 0.35 || lat > SCENE.panelLatMax - 0.35;
          if (border) [r, g, b] = [255, 255, 255];
        }
      }
      const i = (v * width + u) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  // Labels: the sector's centre longitude, three digits, centred at (centre, lat 12°).
  const cell = Math.max(2, Math.round(pxPerDeg * 0.6)); // one font pixel ≈ 0.6°
  for (let sector = 0; sector < 24; sector++) {
    const centre = sector * 15 + 7.5;
    const text = String(Math.floor(centre)).padStart(3, '0');
    const cu = width * (0.5 - centre / 360);
    const uCentre = ((cu % width) + width) % width;
    const cv = height * (0.5 - 12 / 180);
    const textW = (text.length * 6 - 1) * cell;
    const u0 = Math.round(uCentre - textW / 2);
    const v0 = Math.round(cv - (7 * cell) / 2);
    for (let k = 0; k < text.length; k++) {
      const glyph = FONT[text[k]];
      for (let gy = 0; gy < 7; gy++) {
        for (let gx = 0; gx < 5; gx++) {
          if (!((glyph[gy] >> (4 - gx)) & 1)) continue;
          for (let dy = 0; dy < cell; dy++) {
            for (let dx = 0; dx < cell; dx++) {
              const u = (((u0 + (k * 6 + gx) * cell + dx) % width) + width) % width;
              const v = v0 + gy * cell + dy;
              const i = (v * width + u) * 3;
              data[i] = 10;
              data[i + 1] = 10;
              data[i + 2] = 30;
            }
          }
        }
      }
    }
  }
  // Grid lines drawn last so they stay continuous across panels and floor.
  const [lr, lg, lb] = SCENE.lineRgb;
  const paint = (u: number, v: number): void => {
    const i = (v * width + (((u % width) + width) % width)) * 3;
    data[i] = lr;
    data[i + 1] = lg;
    data[i + 2] = lb;
  };
  for (let lonDeg = 0; lonDeg < 360; lonDeg += SCENE.gridDeg) {
    const uc = Math.round(width * (0.5 - lonDeg / 360));
    for (let v = 0; v < height; v++) for (let d = -lineHalf; d < lineHalf; d++) paint(uc + d, v);
  }
  for (let latDeg = -75; latDeg <= 75; latDeg += SCENE.gridDeg) {
    const vc = Math.round(height * (0.5 - latDeg / 180));
    const half = latDeg === 0 ? lineHalf * 2 : lineHalf;
    for (let d = -half; d < half; d++) for (let u = 0; u < width; u++) paint(u, vc + d);
  }
  return { data, width, height };
}

export async function writeScene(outFile: string, width = 4096): Promise<void> {
  const { data, height } = renderScene(width);
  await mkdir(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.tmp-${process.pid}`;
  const sharp = await loadSharp();
  await sharp(data, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9, palette: false }).toFile(tmp);
  await rename(tmp, outFile);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = process.argv[2] ?? 'resources/scene/room_equirect.png';
  const width = Number(process.argv[3] ?? 4096);
  writeScene(out, width).then(
    () => process.stderr.write(`scene written to ${out}\n`),
    (err: unknown) => {
      process.stderr.write(`scene generation failed: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
