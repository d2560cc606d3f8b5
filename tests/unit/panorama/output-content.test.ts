/**
 * Every panorama output shows the frames it was made from: each tile of every strip, of the grid, of the single
 * strip and of the console's grid preview is compared pixel by pixel with its source frame resized the same way
 * (and with a wrong frame, so a garbled or shuffled mosaic fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { stitchJpegFrames, writeMosaics, type CapturedFrame, type OutputFiles } from '../../../src/main/panorama/outputs';
import { GRID_PREVIEW_WIDTH, previewDataUrl } from '../../../src/main/panorama/console-service';
import { SIM_CAMERA, scaleIntrinsics } from '../../../src/shared/camera-model';
import { proceduralScene, renderPinhole } from '../../../src/main/panorama/synthetic';
import { cameraRotationFromRpy } from '../../../src/main/panorama/pose-math';

const tmp = mkdtempSync(join(tmpdir(), 'pano-content-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Rgb {
  data: Buffer;
  width: number;
  height: number;
}

async function decode(input: Buffer | string): Promise<Rgb> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { data, width: info.width, height: info.height };
}

/** Mean absolute difference over the inside of a tile (a margin keeps JPEG/resampling seams out). */
async function tileDiff(img: Rgb, left: number, top: number, w: number, h: number, frame: CapturedFrame): Promise<number> {
  const src = await decode(await sharp(frame.jpeg).resize(w, h, { fit: 'fill' }).toBuffer());
  const m = 3;
  let sum = 0;
  let n = 0;
  for (let y = m; y < h - m; y++)
    for (let x = m; x < w - m; x++)
      for (let c = 0; c < 3; c++) {
        sum += Math.abs(img.data[((top + y) * img.width + left + x) * 3 + c] - src.data[(y * w + x) * 3 + c]);
        n++;
      }
  return sum / n;
}

/** Checks each tile of a row of frames laid out left to right at `top`, scaled by `s`; returns the worst match. */
async function expectRow(img: Rgb, row: CapturedFrame[], tileH: number, top: number, all: CapturedFrame[], s = 1): Promise<void> {
  let left = 0;
  for (const f of row) {
    const w = Math.max(1, Math.round((f.width * tileH) / f.height));
    const [L, T, W, H] = [Math.round(left * s), Math.round(top * s), Math.round(w * s), Math.round(tileH * s)];
    const right = await tileDiff(img, L, T, W, H, f);
    expect(right, `frame ${f.index} at x=${L},y=${T}`).toBeLessThan(8);
    // The check can fail: any other frame in the same place differs clearly.
    for (const other of all.filter((o) => o !== f)) {
      expect(await tileDiff(img, L, T, W, H, other), `frame ${other.index} instead of ${f.index}`).toBeGreaterThan(right * 2.5 + 10);
    }
    left += w;
  }
}

describe('panorama output content', () => {
  const frames: CapturedFrame[] = [];
  let out: OutputFiles;
  const dir = join(tmp, 'scan');
  // 800×450 frames: tiles are resized to the mosaics' 360 px height (640 px wide), as in a scan at --max-edge 800.
  const tileH = 360;
  const tileW = 640;
  const byPitch = (p: number) => frames.filter((f) => f.pitchDeg === p).sort((a, b) => a.worldYawDeg - b.worldYawDeg || a.index - b.index);

  const scene = proceduralScene(1024, 512, 11);

  beforeAll(async () => {
    const k = scaleIntrinsics(SIM_CAMERA, 800);
    let i = 0;
    // Captured in serpentine order (as the planner does), so sorting by yaw matters.
    for (const [pitch, yaws] of [[-25, [-70, 0, 70]], [15, [70, 0, -70]]] as const)
      for (const yaw of yaws) {
        const orientation = { rollDeg: 0, pitchDeg: pitch, yawDeg: yaw };
        const img = renderPinhole(scene, k, cameraRotationFromRpy(orientation));
        const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
        frames.push({ index: i, file: `f${i++}.jpg`, jpeg, width: img.width, height: img.height, pitchDeg: pitch, worldYawDeg: yaw, orientation });
      }
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    out = await writeMosaics(frames, { dir, intrinsics: scaleIntrinsics(SIM_CAMERA, 800), quality: 92, equirectWidth: 512 });
  }, 60_000);

  it('every strip_pitch_*.jpg shows its pitch row of frames in yaw order', async () => {
    expect(out.strips).toEqual(['strip_pitch_-025.jpg', 'strip_pitch_+015.jpg']);
    for (const [name, pitch] of [['strip_pitch_-025.jpg', -25], ['strip_pitch_+015.jpg', 15]] as const) {
      const img = await decode(join(dir, name));
      expect([img.width, img.height]).toEqual([3 * tileW, tileH]);
      await expectRow(img, byPitch(pitch), tileH, 0, frames);
    }
  });

  it('panorama_grid.jpg shows every frame in its row (nose-up pitch first) and yaw column', async () => {
    const img = await decode(join(dir, 'panorama_grid.jpg'));
    expect([img.width, img.height]).toEqual([3 * tileW, 2 * tileH]);
    await expectRow(img, byPitch(-25), tileH, 0, frames);
    await expectRow(img, byPitch(15), tileH, tileH, frames);
  });

  it('panorama_strip.jpg shows all frames sorted by world yaw', async () => {
    const img = await decode(join(dir, 'panorama_strip.jpg'));
    expect([img.width, img.height]).toEqual([6 * tileW, tileH]);
    const sorted = [...frames].sort((a, b) => a.worldYawDeg - b.worldYawDeg || a.pitchDeg - b.pitchDeg);
    await expectRow(img, sorted, tileH, 0, frames);
  });

  it("the console's frame-grid preview shows the same frames, scaled", async () => {
    const url = await previewDataUrl(join(dir, 'panorama_grid.jpg'), GRID_PREVIEW_WIDTH);
    expect(url).toMatch(/^data:image\/jpeg;base64,/);
    const img = await decode(Buffer.from((url as string).split(',')[1], 'base64'));
    // Wider than the preview's width cap: scaled down, aspect kept.
    const s = img.width / (3 * tileW);
    expect(img.width).toBe(Math.min(GRID_PREVIEW_WIDTH, 3 * tileW));
    await expectRow(img, byPitch(-25), tileH, 0, frames, s);
    await expectRow(img, byPitch(15), tileH, tileH, frames, s);
  });

  it('panorama_equirect.jpg shows the scene the frames were taken of, where they covered it', async () => {
    const img = await decode(readFileSync(join(dir, 'panorama_equirect.jpg')));
    expect([img.width, img.height]).toEqual([512, 256]);
    const { weight } = await stitchJpegFrames(frames, scaleIntrinsics(SIM_CAMERA, 800), 512);
    const truth = await decode(await sharp(Buffer.from(scene.data), { raw: { width: scene.width, height: scene.height, channels: 3 } }).resize(512, 256).png().toBuffer());
    // Mean abs difference over covered pixels against the scene, and against the scene turned by 90° (must differ).
    const diff = (shift: number): number => {
      let sum = 0;
      let n = 0;
      for (let y = 0; y < 256; y++)
        for (let x = 0; x < 512; x++) {
          if (!(weight[y * 512 + x] > 0)) continue;
          const xs = (x + shift) % 512;
          for (let c = 0; c < 3; c++) sum += Math.abs(img.data[(y * 512 + x) * 3 + c] - truth.data[(y * 512 + xs) * 3 + c]);
          n += 3;
        }
      expect(n).toBeGreaterThan(512 * 256 * 3 * 0.2);
      return sum / n;
    };
    const right = diff(0);
    expect(right).toBeLessThan(12);
    expect(diff(128)).toBeGreaterThan(right * 2.5 + 10);
  });
});
