/**
 * The simulator's media routes. These are OUR EXTENSION, not routes of the real Reachy Mini daemon (a real robot
 * delivers media over WebRTC only); they let a driver in another process read the simulated camera and microphone
 * and feed the simulated speaker:
 *   GET  /api/camera/frame?max_edge=N      raw RGB (application/octet-stream), headers x-frame-width/height/ts
 *        &format=jpeg&quality=Q            the same view as a JPEG (image/jpeg, quality 1-100, default 82), plus
 *                                          header x-jpeg-quality: the driver then neither moves 690 KB nor encodes
 *   GET  /api/audio/mic?duration_ms=N      float32 LE mono 16 kHz, headers x-sample-rate, x-channels, x-start-s
 *   POST /api/audio/speaker/samples?sample_rate=&channels=   float32 LE body → {status, frames}
 *   POST /api/audio/speaker/play {"file": "..."}            → {status}
 *   GET  /api/audio/speaker/history         → {records:[...], frames}
 *   GET  /api/media/webrtc                  → {running, signalling_url, producer, error?}
 * Bad input → 422 with {detail} naming the field and range. Registered on the sim's server through its media hook
 * (`sim.http.addRoute`); `serveMediaRoutes` serves them on a plain Node server (tests, standalone use).
 */
import { errorMessage } from '../../../shared/errors';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { SimMedia } from './sim-media';

export interface MediaRequest {
  query: URLSearchParams;
  rawBody: Buffer;
}

export interface MediaResponse {
  status?: number;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface MediaRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: MediaRequest) => Promise<MediaResponse> | MediaResponse;
}

const frameQuery = z
  .object({
    max_edge: z.coerce.number().int().min(16).max(1280).optional(),
    format: z.enum(['raw', 'jpeg']).default('raw'),
    quality: z.coerce.number().int().min(1).max(100).optional(),
  })
  .refine((q) => q.format === 'jpeg' || q.quality === undefined, { path: ['quality'], message: 'applies to format=jpeg only' });
const DEFAULT_JPEG_QUALITY = 82;
const micQuery = z.object({ duration_ms: z.coerce.number().int().min(1).max(10_000).default(120) });
const pushQuery = z.object({
  sample_rate: z.coerce.number().int().min(8000).max(48_000).default(16_000),
  channels: z.coerce.number().int().min(1).max(8).default(1),
});
const playBody = z.object({ file: z.string().min(1).max(4096) });

const MAX_PUSH_BYTES = 48_000 * 8 * 4 * 10; // 10 s of 8-channel 48 kHz float32

function invalid(err: z.ZodError): MediaResponse {
  return { status: 422, json: { detail: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } };
}

export function mediaRoutes(media: SimMedia): MediaRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/camera/frame',
      async handler(req) {
        const p = frameQuery.safeParse(Object.fromEntries(req.query));
        if (!p.success) return invalid(p.error);
        if (p.data.format === 'jpeg') {
          const j = await media.frameJpeg(p.data.max_edge, p.data.quality ?? DEFAULT_JPEG_QUALITY);
          return {
            body: j.data,
            contentType: 'image/jpeg',
            headers: { 'x-frame-width': String(j.width), 'x-frame-height': String(j.height), 'x-frame-ts': String(j.ts), 'x-jpeg-quality': String(j.quality) },
          };
        }
        const f = await media.frame(p.data.max_edge);
        return {
          body: f.data,
          contentType: 'application/octet-stream',
          headers: { 'x-frame-width': String(f.width), 'x-frame-height': String(f.height), 'x-frame-ts': String(f.ts) },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/audio/mic',
      handler(req) {
        const p = micQuery.safeParse(Object.fromEntries(req.query));
        if (!p.success) return invalid(p.error);
        const a = media.mic(p.data.duration_ms);
        return {
          body: Buffer.from(a.samples.buffer, a.samples.byteOffset, a.samples.byteLength),
          contentType: 'application/octet-stream',
          headers: { 'x-sample-rate': String(a.sampleRate), 'x-channels': '1', 'x-start-s': String(a.startS) },
        };
      },
    },
    {
      method: 'POST',
      path: '/api/audio/speaker/samples',
      handler(req) {
        const p = pushQuery.safeParse(Object.fromEntries(req.query));
        if (!p.success) return invalid(p.error);
        const body = req.rawBody;
        if (body.length > MAX_PUSH_BYTES) return { status: 413, json: { detail: `body: at most ${MAX_PUSH_BYTES} bytes` } };
        if (body.length % (4 * p.data.channels) !== 0) return { status: 422, json: { detail: 'body: must be whole float32 LE frames' } };
        const samples = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
        return { json: { status: 'ok', frames: media.speakerPush(samples, p.data.sample_rate, p.data.channels) } };
      },
    },
    {
      method: 'POST',
      path: '/api/audio/speaker/play',
      handler(req) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(req.rawBody.toString('utf8'));
        } catch {
          return { status: 422, json: { detail: 'body: must be JSON {"file": "..."}' } };
        }
        const p = playBody.safeParse(parsed);
        if (!p.success) return invalid(p.error);
        media.speakerPlay(p.data.file);
        return { json: { status: 'ok' } };
      },
    },
    {
      method: 'GET',
      path: '/api/audio/speaker/history',
      handler: () => ({ json: { records: media.speaker.history(), frames: media.speaker.framesReceived() } }),
    },
    { method: 'GET', path: '/api/media/webrtc', handler: () => ({ json: media.webrtcInfo() }) },
  ];
}

/** Serves the media routes alone on 127.0.0.1 (tests and tools); everything else answers 404. */
export async function serveMediaRoutes(media: SimMedia, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const routes = mediaRoutes(media);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async (): Promise<MediaResponse> => {
        if (!route) return { status: 404, json: { detail: 'Not Found' } };
        return route.handler({ query: url.searchParams, rawBody: Buffer.concat(chunks) });
      })()
        .catch((err: unknown): MediaResponse => ({ status: 503, json: { detail: errorMessage(err) } }))
        .then((r) => {
          const body = r.json !== undefined ? Buffer.from(JSON.stringify(r.json)) : (r.body ?? Buffer.alloc(0));
          res.writeHead(r.status ?? 200, {
            ...(r.headers ?? {}),
            'content-type': r.json !== undefined ? 'application/json' : (r.contentType ?? 'application/octet-stream'),
            'content-length': String(body.length),
          });
          res.end(body);
        });
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
