/**
 * The JSON wire schema shared by the websocket and http transports and the demo server (docs/PRIOR-ART.md §A.5/A.7):
 * observation {type:"observation", seq, state, images{name: base64 JPEG}, prompt, capture_time_ns, request_id},
 * replies {type:"action_chunk", seq, actions[][]} or {type:"error", seq, code, message}; metadata first on websockets.
 */
import sharp from 'sharp';
import { z } from 'zod';
import { RunnerError } from '../errors';
import type { ActionChunk, PolicyObservation, RgbFrame } from '../types';

export const PROTOCOL = 'reachy-policy/1';

export interface ImageEncoding {
  /** JPEG quality 1-100 (default 80). */
  quality?: number;
  /** Square resize of every frame before encoding (Reflex's img_size); off when undefined. */
  imgSize?: number;
}

export async function frameToJpeg(frame: RgbFrame, enc: ImageEncoding = {}): Promise<Buffer> {
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (enc.imgSize) img = img.resize(enc.imgSize, enc.imgSize, { fit: 'fill' });
  return img.jpeg({ quality: enc.quality ?? 80 }).toBuffer();
}

export async function jpegToFrame(jpeg: Buffer | Uint8Array): Promise<RgbFrame> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgb = info.channels === 3 ? data : await sharp(jpeg).toColourspace('srgb').removeAlpha().raw().toBuffer();
  return { width: info.width, height: info.height, data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength) };
}

/** JSON text of an observation. capture_time_ns is written as an exact integer (it exceeds 2^53). */
export async function encodeObservationJson(obs: PolicyObservation, enc: ImageEncoding = {}): Promise<string> {
  const images: Record<string, string> = {};
  for (const [name, frame] of Object.entries(obs.images)) images[name] = (await frameToJpeg(frame, enc)).toString('base64');
  const body = {
    type: 'observation',
    seq: obs.seq,
    state: obs.state,
    images,
    ...(obs.prompt !== undefined ? { prompt: obs.prompt } : {}),
    capture_time_ns: '__CAPTURE_TIME_NS__',
    request_id: obs.requestId,
  };
  return JSON.stringify(body).replace('"__CAPTURE_TIME_NS__"', obs.captureTimeNs.toString());
}

const finiteRow = z.array(z.number().finite()).min(1).max(4096);
export const actionChunkReply = z.object({
  type: z.literal('action_chunk').optional(),
  seq: z.number().int().nonnegative().optional(),
  actions: z.array(finiteRow).min(1).max(10_000),
  infer_ms: z.number().optional(),
});
export const errorReply = z.object({
  type: z.literal('error'),
  seq: z.number().int().nonnegative().optional(),
  code: z.string().max(200).default('error'),
  message: z.string().max(10_000).default(''),
});

/** Validates a reply; rows of a chunk must all have the same width. */
export function parseChunk(raw: unknown, expectedSeq: number): ActionChunk {
  const er = errorReply.safeParse(raw);
  if (er.success) throw new RunnerError('policy_error', `${er.data.code}: ${er.data.message}`);
  const r = actionChunkReply.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RunnerError('protocol', `bad action chunk: ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
  }
  const width = r.data.actions[0].length;
  if (r.data.actions.some((row) => row.length !== width))
    throw new RunnerError('protocol', `bad action chunk: rows have different lengths (first has ${width})`);
  if (r.data.seq !== undefined && r.data.seq !== expectedSeq)
    throw new RunnerError('protocol', `action chunk seq=${r.data.seq} does not match observation seq=${expectedSeq}`);
  return { seq: expectedSeq, actions: r.data.actions, ...(r.data.infer_ms !== undefined ? { inferMs: r.data.infer_ms } : {}) };
}

/** A promise that rejects with a transport_timeout after `ms`, cleaned up by the returned cancel. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => finish(() => reject(new RunnerError('aborted', `${what}: aborted`)));
    const timer = setTimeout(() => finish(() => reject(new RunnerError('transport_timeout', `${what}: no reply within ${ms} ms`))), ms);
    function finish(f: () => void): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
