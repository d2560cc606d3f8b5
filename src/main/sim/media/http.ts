/**
 * The simulator's media routes. These are OUR EXTENSION, not routes of the real Reachy Mini daemon (a real robot
 * delivers media over WebRTC only); they let a driver in another process read the simulated camera and microphone
 * and feed the simulated speaker:
 *   GET  /api/camera/frame?max_edge=N      raw RGB (application/octet-stream), headers x-frame-width/height/ts
 *   GET  /api/audio/mic?duration_ms=N      float32 LE mono 16 kHz, headers x-sample-rate, x-channels, x-start-s
 *   POST /api/audio/speaker/samples?sample_rate=&channels=   float32 LE body → {status, frames}
 *   POST /api/audio/speaker/play {"file": "..."}            → {status}
 *   GET  /api/audio/speaker/history         → {records:[...], frames}
 *   GET  /api/media/webrtc                  → {signalling_url, producer, running}
 * Bad input → 422 with {detail} naming the field and range.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimMedia } from './sim-media';

const frameQuery = z.object({ max_edge: z.coerce.number().int().min(16).max(1280).optional() });
const micQuery = z.object({ duration_ms: z.coerce.number().int().min(1).max(10_000).default(120) });
const pushQuery = z.object({
  sample_rate: z.coerce.number().int().min(8000).max(48_000).default(16_000),
  channels: z.coerce.number().int().min(1).max(8).default(1),
});
const playBody = z.object({ file: z.string().min(1).max(4096) });

const MAX_PUSH_BYTES = 48_000 * 8 * 4 * 10; // 10 s of 8-channel 48 kHz float32

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function invalid(res: ServerResponse, err: z.ZodError): void {
  const detail = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  json(res, 422, { detail });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Returns true when the request was one of the media routes (and has been answered). */
export async function handleMediaRoute(media: SimMedia, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const q = Object.fromEntries(url.searchParams);
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  try {
    switch (route) {
      case 'GET /api/camera/frame': {
        const p = frameQuery.safeParse(q);
        if (!p.success) return invalid(res, p.error), true;
        const f = await media.frame(p.data.max_edge);
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': f.data.length,
          'x-frame-width': f.width,
          'x-frame-height': f.height,
          'x-frame-ts': f.ts,
        });
        res.end(f.data);
        return true;
      }
      case 'GET /api/audio/mic': {
        const p = micQuery.safeParse(q);
        if (!p.success) return invalid(res, p.error), true;
        const a = media.mic(p.data.duration_ms);
        const buf = Buffer.from(a.samples.buffer, a.samples.byteOffset, a.samples.byteLength);
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': buf.length,
          'x-sample-rate': a.sampleRate,
          'x-channels': 1,
          'x-start-s': a.startS,
        });
        res.end(buf);
        return true;
      }
      case 'POST /api/audio/speaker/samples': {
        const p = pushQuery.safeParse(q);
        if (!p.success) return invalid(res, p.error), true;
        const body = await readBody(req, MAX_PUSH_BYTES);
        if (body.length % 4 !== 0) return json(res, 422, { detail: 'body: must be float32 little-endian samples' }), true;
        const samples = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
        const frames = media.speakerPush(samples, p.data.sample_rate, p.data.channels);
        json(res, 200, { status: 'ok', frames });
        return true;
      }
      case 'POST /api/audio/speaker/play': {
        const body = await readBody(req, 16_384);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return json(res, 422, { detail: 'body: must be JSON {"file": "..."}' }), true;
        }
        const p = playBody.safeParse(parsed);
        if (!p.success) return invalid(res, p.error), true;
        media.speakerPlay(p.data.file);
        json(res, 200, { status: 'ok' });
        return true;
      }
      case 'GET /api/audio/speaker/history':
        json(res, 200, { records: media.speaker.history(), frames: media.speaker.framesReceived() });
        return true;
      case 'GET /api/media/webrtc':
        json(res, 200, media.webrtcInfo());
        return true;
      default:
        return false;
    }
  } catch (err) {
    json(res, 503, { detail: err instanceof Error ? err.message : String(err) });
    return true;
  }
}
