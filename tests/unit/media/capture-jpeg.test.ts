/**
 * capture_video_frame with a source that encodes JPEG itself (the simulator's GET /api/camera/frame?format=jpeg): the
 * reply is a JPEG of the current view (decoded and compared with the simulator's own render), the driver does not
 * fetch raw RGB for it, and it encodes itself when the source answers RGB or sends bytes that fail its check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { jpegSize } from '../../../src/main/media/encode';
import type { CapturedImage, MediaSource, RgbFrame } from '../../../src/main/media/types';
import type { SimHttpMediaSource } from '../../../src/main/media/sim-http-source';
import { startMediaFixture, yawPose, type MediaFixture } from './fixture';

// Decoded JPEG vs the render of its view: ~3-4 grey levels at q82, ~5.5 at 320 px q75 (the scene has fine lines and
// text); vs a view 25° away: ~45.
const MATCH = 8;
const DIFFERENT = 25;

/** Mean absolute difference per channel byte between a JPEG (decoded) and an RGB frame of the same size. */
async function meanDiff(jpegB64: string, frame: RgbFrame): Promise<number> {
  const { data, info } = await sharp(Buffer.from(jpegB64, 'base64')).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([frame.width, frame.height, 3]);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Math.abs(data[i] - frame.data[i]);
  return sum / data.length;
}

/** The source as the driver sees it, counting raw-frame fetches; `jpeg` replaces what captureJpeg answers. */
function counting(s: SimHttpMediaSource, jpeg?: (real: CapturedImage) => CapturedImage): { source: MediaSource; rawFetches: () => number } {
  let raw = 0;
  const source: MediaSource = {
    kind: s.kind,
    description: s.description,
    capabilities: () => s.capabilities(),
    captureAudio: (ms) => s.captureAudio(ms),
    captureFrame: (edge) => {
      raw++;
      return s.captureFrame(edge);
    },
    captureJpeg: async (edge, q) => {
      const real = await s.captureJpeg(edge, q);
      return jpeg ? jpeg(real) : real;
    },
  };
  return { source, rawFetches: () => raw };
}

describe('capture_video_frame from a source that encodes JPEG', () => {
  let fx: MediaFixture | null = null;
  afterEach(async () => {
    await fx?.close();
    fx = null;
  });

  it('replies with the simulator JPEG of the current view, without fetching raw RGB', async () => {
    let c: ReturnType<typeof counting> | null = null;
    fx = await startMediaFixture({ wrapSource: (s) => (c = counting(s)).source });
    for (const [yaw, pitch] of [
      [0, 0],
      [35, -10],
      [-120, 20],
    ]) {
      fx.setPose(yawPose(yaw, pitch));
      const r = await fx.call('capture_video_frame', {});
      expect(r).toMatchObject({ status: 'success', encoding: 'jpeg', format: 'jpeg', width: 640, height: 360, jpeg_quality: 82 });
      expect(r.byte_size).toBe(Buffer.from(r.data_b64 as string, 'base64').length);
      // The simulator's own render of this pose, and of another one: the JPEG is this view (q82 noise only).
      const view = await fx.media.frame(640);
      expect(await meanDiff(r.data_b64 as string, view)).toBeLessThan(MATCH);
      fx.setPose(yawPose(yaw + 25, pitch));
      expect(await meanDiff(r.data_b64 as string, await fx.media.frame(640))).toBeGreaterThan(DIFFERENT);
    }
    const t = await fx.call('capture_video_frame', { encoding: 'thumbnail' });
    expect(t).toMatchObject({ width: 320, height: 180, jpeg_quality: 75 });
    expect(await meanDiff(t.data_b64 as string, await fx.media.frame(320))).toBeLessThan(MATCH);
    expect(c!.rawFetches()).toBe(0);
  });

  it('encodes itself when the source JPEG fails the check (wrong size, not a JPEG), and from then on', async () => {
    let c: ReturnType<typeof counting> | null = null;
    fx = await startMediaFixture({
      wrapSource: (s) => (c = counting(s, (real) => (real.kind === 'jpeg' ? { ...real, width: real.width + 2 } : real))).source,
    });
    fx.setPose(yawPose(50, 5));
    const r = await fx.call('capture_video_frame', {});
    expect(r).toMatchObject({ status: 'success', format: 'jpeg', width: 640, height: 360 });
    expect(await meanDiff(r.data_b64 as string, await fx.media.frame(640))).toBeLessThan(MATCH);
    expect(c!.rawFetches()).toBe(1);
    await fx.call('capture_video_frame', {});
    expect(c!.rawFetches()).toBe(2);
  });

  it('encodes the RGB a source answers instead of a JPEG (a simulator without format=jpeg)', async () => {
    let c: ReturnType<typeof counting> | null = null;
    fx = await startMediaFixture({
      wrapSource: (s) => {
        c = counting(s);
        c.source.captureJpeg = async (edge) => ({ kind: 'raw', frame: await s.captureFrame(edge) });
        return c.source;
      },
    });
    fx.setPose(yawPose(-30));
    const r = await fx.call('capture_video_frame', { quality: 90 });
    expect(r).toMatchObject({ status: 'success', format: 'jpeg', width: 640, jpeg_quality: 90 });
    expect(await meanDiff(r.data_b64 as string, await fx.media.frame(640))).toBeLessThan(MATCH);
  });

  it('the JPEG route names bad input; quality applies to format=jpeg only', async () => {
    fx = await startMediaFixture();
    const get = (q: string) => fetch(`${fx!.baseUrl}/api/camera/frame?${q}`);
    const ok = await get('max_edge=320&format=jpeg&quality=60');
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect([ok.headers.get('x-frame-width'), ok.headers.get('x-frame-height'), ok.headers.get('x-jpeg-quality')]).toEqual(['320', '180', '60']);
    expect(jpegSize(Buffer.from(await ok.arrayBuffer()))).toEqual({ width: 320, height: 180 });
    for (const q of ['format=jpeg&quality=0', 'format=jpeg&quality=101', 'quality=50', 'format=png']) {
      const res = await get(q);
      expect(res.status, q).toBe(422);
      expect(((await res.json()) as { detail: string }).detail, q).toMatch(/quality|format/);
    }
  });

  it('jpegSize reads the frame header and refuses truncated or foreign bytes', async () => {
    const jpg = await sharp({ create: { width: 33, height: 17, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    expect(jpegSize(jpg)).toEqual({ width: 33, height: 17 });
    const progressive = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#102030' } }).jpeg({ progressive: true }).toBuffer();
    expect(jpegSize(progressive)).toEqual({ width: 20, height: 10 });
    expect(jpegSize(jpg.subarray(0, jpg.length - 10))).toBeNull();
    expect(jpegSize(await sharp(jpg).png().toBuffer())).toBeNull();
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
  });
});
