/**
 * Frame encoding for `capture_video_frame` (docs/PRIOR-ART.md §B.2 return shape) with sharp. Every reply is measured as the
 * JSON the RPC layer will send and refused when it would exceed MEDIA_REPLY_CAP_BYTES (NATS payload safety).
 */
import { loadSharp } from './lazy';
import { MEDIA_REPLY_CAP_BYTES } from '../../shared/reachy';
import type { RgbFrame } from './types';

export type FrameEncoding = 'jpeg' | 'thumbnail' | 'raw';

export const ENCODING_PRESETS: Record<FrameEncoding, { maxEdge: number; quality: number | null; maxAllowedEdge: number }> = {
  jpeg: { maxEdge: 640, quality: 82, maxAllowedEdge: 1280 },
  thumbnail: { maxEdge: 320, quality: 75, maxAllowedEdge: 320 },
  raw: { maxEdge: 320, quality: null, maxAllowedEdge: 1280 },
};

/** Room kept for the JSON-RPC envelope around the result (jsonrpc, id, result key). */
const ENVELOPE_SLACK = 512;

export class ReplyTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly cap: number,
    hint: string,
  ) {
    super(`reply would be ${bytes} bytes, over the ${cap}-byte media payload cap; ${hint}`);
    this.name = 'ReplyTooLargeError';
  }
}

export interface EncodeOptions {
  encoding: FrameEncoding;
  maxEdge?: number;
  quality?: number;
  cap?: number;
}

export type VideoFrameReply = {
  status: 'success';
  kind: 'video_frame';
  encoding: FrameEncoding;
  format: 'jpeg' | 'raw';
  width: number;
  height: number;
  jpeg_quality: number | null;
  byte_size: number;
  dtype?: 'uint8';
  shape?: [number, number, number];
  data_b64: string;
  rpc_json_bytes: number;
  captured_at: number;
};

/** Resolves the effective longest edge for an encoding, or throws a message naming the field and range. */
export function resolveMaxEdge(encoding: FrameEncoding, maxEdge: number | undefined): number {
  const preset = ENCODING_PRESETS[encoding];
  const edge = maxEdge ?? preset.maxEdge;
  if (!Number.isInteger(edge) || edge < 16 || edge > preset.maxAllowedEdge) {
    throw new Error(`max_edge=${String(maxEdge)} outside allowed range [16, ${preset.maxAllowedEdge}] for encoding "${encoding}"`);
  }
  return edge;
}

/** The effective JPEG quality for an encoding, or throws a message naming the field and range. */
export function resolveQuality(encoding: Exclude<FrameEncoding, 'raw'>, quality: number | undefined): number {
  const q = quality ?? (ENCODING_PRESETS[encoding].quality as number);
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new Error(`quality=${String(quality)} outside allowed range [1, 100]`);
  return q;
}

/**
 * Width and height from a JPEG's frame header (SOFn), walking the marker segments from SOI; null when the bytes are
 * not a well-formed baseline/progressive JPEG that ends with EOI. Cheap (no decode): what the driver checks before
 * passing on a JPEG a source encoded.
 */
export function jpegSize(buf: Buffer): { width: number; height: number } | null {
  const n = buf.length;
  if (n < 4 || buf[0] !== 0xff || buf[1] !== 0xd8 || buf[n - 2] !== 0xff || buf[n - 1] !== 0xd9) return null;
  let i = 2;
  while (i + 4 <= n) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    if (len < 2 || i + 2 + len > n) return null;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (len < 8) return null;
      const height = buf.readUInt16BE(i + 5);
      const width = buf.readUInt16BE(i + 7);
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (marker === 0xda) return null; // scan data before any frame header
    i += 2 + len;
  }
  return null;
}

/**
 * The `capture_video_frame` reply for a JPEG a source encoded (same fields and meaning as `encodeFrame`'s). Throws
 * when the bytes are not a JPEG of the announced size within `maxEdge`, so the caller can encode itself instead.
 */
export function jpegReply(
  img: { width: number; height: number; quality: number; data: Buffer; ts: number },
  opts: { encoding: Exclude<FrameEncoding, 'raw'>; maxEdge: number; quality: number; cap?: number },
): VideoFrameReply {
  const size = jpegSize(img.data);
  if (!size || size.width !== img.width || size.height !== img.height) {
    throw new Error(`source JPEG is malformed or not ${img.width}x${img.height} (${size ? `${size.width}x${size.height}` : 'no frame header'})`);
  }
  if (Math.max(size.width, size.height) > opts.maxEdge) throw new Error(`source JPEG is ${size.width}x${size.height}, over max_edge ${opts.maxEdge}`);
  if (img.quality !== opts.quality) throw new Error(`source JPEG has quality ${img.quality}, not ${opts.quality}`);
  return withMeasuredSize(jpegFrameReply(opts.encoding, size, opts.quality, img.data, img.ts), opts.cap ?? MEDIA_REPLY_CAP_BYTES);
}

/** The reply's fields for one JPEG, whoever encoded it (the driver here, or a source). */
function jpegFrameReply(
  encoding: Exclude<FrameEncoding, 'raw'>,
  size: { width: number; height: number },
  quality: number,
  data: Buffer,
  ts: number,
): VideoFrameReply {
  return {
    status: 'success',
    kind: 'video_frame',
    encoding,
    format: 'jpeg',
    width: size.width,
    height: size.height,
    jpeg_quality: quality,
    byte_size: data.length,
    data_b64: data.toString('base64'),
    rpc_json_bytes: 0,
    captured_at: ts,
  };
}

function fitWithin(width: number, height: number, maxEdge: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= maxEdge) return { width, height };
  const s = maxEdge / longest;
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * An RGB frame as JPEG bytes at `quality`, resized first when `size` is given: the one JPEG encode of the driver and
 * of the simulator's camera route, so both produce the same bytes. sharp runs on the libuv threadpool, off the loop.
 */
export async function jpegBytes(frame: RgbFrame, quality: number, size?: { width: number; height: number }): Promise<Buffer> {
  const sharp = await loadSharp();
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (size) img = img.resize(size.width, size.height, { kernel: 'linear' });
  // No Huffman-table optimisation pass: about 3% bigger, and a 640 px frame encodes in ~1 ms instead of ~3.
  return img.jpeg({ quality, mozjpeg: false, optimiseCoding: false }).toBuffer();
}

export async function encodeFrame(frame: RgbFrame, opts: EncodeOptions): Promise<VideoFrameReply> {
  const cap = opts.cap ?? MEDIA_REPLY_CAP_BYTES;
  const edge = resolveMaxEdge(opts.encoding, opts.maxEdge);
  const size = fitWithin(frame.width, frame.height, edge);
  const resized = size.width !== frame.width || size.height !== frame.height;
  const sharp = await loadSharp();
  let reply: VideoFrameReply;
  if (opts.encoding === 'raw') {
    // Predict the size before base64-encoding so an oversized raw frame fails fast.
    const bytes = size.width * size.height * 3;
    const predicted = Math.ceil(bytes / 3) * 4 + ENVELOPE_SLACK + 400;
    if (predicted > cap) {
      throw new ReplyTooLargeError(predicted, cap, `raw ${size.width}x${size.height} is too big; use max_edge ≤ ${maxRawEdge(frame, cap)} or encoding "jpeg"`);
    }
    const data = resized
      ? await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
          .resize(size.width, size.height, { kernel: 'linear' })
          .raw()
          .toBuffer()
      : frame.data;
    reply = {
      status: 'success',
      kind: 'video_frame',
      encoding: 'raw',
      format: 'raw',
      width: size.width,
      height: size.height,
      jpeg_quality: null,
      byte_size: data.length,
      dtype: 'uint8',
      shape: [size.height, size.width, 3],
      data_b64: data.toString('base64'),
      rpc_json_bytes: 0,
      captured_at: frame.ts,
    };
  } else {
    const quality = resolveQuality(opts.encoding, opts.quality);
    const data = await jpegBytes(frame, quality, resized ? size : undefined);
    reply = jpegFrameReply(opts.encoding, size, quality, data, frame.ts);
  }
  return withMeasuredSize(reply, cap);
}

/** Fills `rpc_json_bytes` with the reply's own JSON size (+ envelope slack) and enforces the cap. */
export function withMeasuredSize<T extends { rpc_json_bytes: number }>(reply: T, cap = MEDIA_REPLY_CAP_BYTES): T {
  // The digit count of rpc_json_bytes itself changes the size; measure with a 7-digit placeholder. Base64 is plain
  // ASCII that JSON never escapes, so data_b64 counts as its length instead of being serialised once more.
  reply.rpc_json_bytes = 1_000_000;
  const data = (reply as { data_b64?: unknown }).data_b64;
  const bytes =
    typeof data === 'string'
      ? Buffer.byteLength(JSON.stringify({ ...reply, data_b64: '' })) + data.length + ENVELOPE_SLACK
      : Buffer.byteLength(JSON.stringify(reply)) + ENVELOPE_SLACK;
  reply.rpc_json_bytes = bytes;
  if (bytes > cap) throw new ReplyTooLargeError(bytes, cap, 'lower max_edge or quality');
  return reply;
}

function maxRawEdge(frame: RgbFrame, cap: number): number {
  const aspect = Math.min(frame.width, frame.height) / Math.max(frame.width, frame.height);
  // 4/3 base64 growth · 3 bytes per pixel · edge² · aspect ≤ cap − slack
  return Math.floor(Math.sqrt((cap - ENVELOPE_SLACK - 400) / (4 * aspect))) - 4;
}
