/**
 * Scan outputs from the captured frames: per-pitch strips, panorama_grid.jpg and (≤ 24 frames) panorama_strip.jpg
 * as the prior tool (plain concatenation sorted by world yaw), plus panorama_equirect.jpg reprojected from the
 * observed head orientations. sharp decodes and encodes; every file is written atomically.
 */
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Intrinsics } from '../../shared/camera-model';
import { stitchJpegFramesOffThread } from './stitch-worker';
import { writeAtomic } from './files';

export interface CapturedFrame {
  index: number;
  file: string;
  jpeg: Buffer;
  width: number;
  height: number;
  pitchDeg: number;
  /** Commanded world yaw (body + head), degrees; for sorting strips. */
  worldYawDeg: number;
  /** Orientation used for reprojection (observed when known). */
  orientation: { rollDeg: number; pitchDeg: number; yawDeg: number };
}

export interface OutputFiles {
  strips: string[];
  grid: string | null;
  strip: string | null;
  equirect: string | null;
  equirectCoverage: number | null;
}

const signed = (v: number): string => {
  const r = Math.round(v * 10) / 10;
  return `${r < 0 ? '-' : '+'}${Math.abs(r).toString().padStart(3, '0')}`;
};

export function frameFileName(index: number, p: { bodyYawDeg: number; pitchDeg: number; headYawDeg: number }): string {
  return `frame_${String(index).padStart(3, '0')}_body_${signed(p.bodyYawDeg)}_pitch_${signed(p.pitchDeg)}_yaw_${signed(p.headYawDeg)}.jpg`;
}

interface RawRgb {
  raw: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes a pipeline to packed 8-bit RGB, dimensions taken from sharp's own output info. A composite comes back
 * with an alpha channel even on a 3-channel canvas: reading that buffer as RGB shears every row into grey moiré,
 * so the alpha is dropped here and the channel count checked, never assumed.
 */
async function toRawRgb(img: Sharp): Promise<RawRgb> {
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`panorama mosaic: expected 3 colour channels, sharp produced ${info.channels}`);
  return { raw: data, width: info.width, height: info.height };
}

/** Row of frames side by side, scaled to a common height. */
async function concatRow(frames: CapturedFrame[], tileH: number): Promise<RawRgb> {
  const tiles = await Promise.all(
    frames.map(async (f) => {
      const w = Math.max(1, Math.round((f.width * tileH) / f.height));
      return { w, buf: await sharp(f.jpeg).resize(w, tileH, { fit: 'fill' }).toBuffer() };
    }),
  );
  const width = tiles.reduce((s, t) => s + t.w, 0);
  let left = 0;
  const composite = tiles.map((t) => {
    const c = { input: t.buf, left, top: 0 };
    left += t.w;
    return c;
  });
  return toRawRgb(sharp({ create: { width, height: tileH, channels: 3, background: { r: 0, g: 0, b: 0 } } }).composite(composite));
}

const rawJpeg = (raw: Buffer | Uint8Array, width: number, height: number, quality: number): Promise<Buffer> =>
  sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality, mozjpeg: false }).toBuffer();

export interface WriteOutputsOptions {
  dir: string;
  intrinsics: Intrinsics;
  quality: number;
  /** 0 = from the frames' angular resolution. */
  equirectWidth: number;
}

export async function writeMosaics(frames: CapturedFrame[], o: WriteOutputsOptions): Promise<OutputFiles> {
  const out: OutputFiles = { strips: [], grid: null, strip: null, equirect: null, equirectCoverage: null };
  if (frames.length === 0) return out;
  const tileH = Math.min(360, Math.min(...frames.map((f) => f.height)));
  // Rows top to bottom: looking up (negative pitch = nose up) first.
  const pitches = [...new Set(frames.map((f) => f.pitchDeg))].sort((a, b) => a - b);
  const rows: RawRgb[] = [];
  for (const p of pitches) {
    const row = frames.filter((f) => f.pitchDeg === p).sort((a, b) => a.worldYawDeg - b.worldYawDeg || a.index - b.index);
    const img = await concatRow(row, tileH);
    const name = `strip_pitch_${signed(p)}.jpg`;
    await writeAtomic(join(o.dir, name), await rawJpeg(img.raw, img.width, img.height, o.quality));
    out.strips.push(name);
    rows.push(img);
  }
  const gw = Math.max(...rows.map((r) => r.width));
  const grid = await sharp({ create: { width: gw, height: tileH * rows.length, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(rows.map((r, i) => ({ input: r.raw, raw: { width: r.width, height: r.height, channels: 3 as const }, left: 0, top: i * tileH })))
    .jpeg({ quality: o.quality })
    .toBuffer();
  await writeAtomic(join(o.dir, 'panorama_grid.jpg'), grid);
  out.grid = 'panorama_grid.jpg';
  if (frames.length <= 24) {
    const all = await concatRow([...frames].sort((a, b) => a.worldYawDeg - b.worldYawDeg || a.pitchDeg - b.pitchDeg), tileH);
    await writeAtomic(join(o.dir, 'panorama_strip.jpg'), await rawJpeg(all.raw, all.width, all.height, o.quality));
    out.strip = 'panorama_strip.jpg';
  }
  const eq = await stitchJpegFrames(frames, o.intrinsics, o.equirectWidth);
  await writeAtomic(join(o.dir, 'panorama_equirect.jpg'), await rawJpeg(eq.data, eq.width, eq.height, o.quality));
  out.equirect = 'panorama_equirect.jpg';
  out.equirectCoverage = Math.round(eq.coverage * 10000) / 10000;
  return out;
}

/** Decodes JPEG frames one by one into the accumulator (never all decoded at once). */
export async function stitchJpegFrames(
  frames: Array<Pick<CapturedFrame, 'jpeg' | 'width' | 'orientation'>>,
  k: Intrinsics,
  width = 0,
): Promise<{ data: Uint8Array; width: number; height: number; coverage: number; weight: Float32Array }> {
  // On a worker thread: the reprojection must not hold the event loop that carries the robot's state.
  return stitchJpegFramesOffThread(frames, k, width);
}
