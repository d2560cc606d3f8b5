/**
 * Media source for the simulator, over the sim's HTTP media extension (src/main/sim/media/http.ts). Works for a sim
 * in this process or another one; the driver never imports the simulator.
 */
import http from 'node:http';
import type { AudioChunk, CapturedImage, MediaCapabilities, MediaSource, RgbFrame } from './types';

const TIMEOUT_MS = 5000;

export interface SimWebrtcInfo {
  running: boolean;
  signalling_url: string | null;
  producer: string;
  error?: string;
}

/** A GET answered with a body: status, headers and the bytes (collected into one buffer of Content-Length). */
interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class SimHttpMediaSource implements MediaSource {
  readonly kind = 'sim' as const;
  readonly description: string;
  // A kept-alive socket for frames: a 640 px frame is 690 KB, and fetch() costs a few ms more per frame than this.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(readonly baseUrl: string) {
    this.description = `simulator camera/microphone at ${baseUrl}`;
  }

  /** True when `baseUrl` serves the simulator media extension (a real daemon answers 404). */
  static async probe(baseUrl: string, timeoutMs = 2000): Promise<boolean> {
    try {
      const res = await fetch(`${baseUrl}/api/media/webrtc`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  capabilities(): MediaCapabilities {
    return {
      videoInput: true,
      audioInput: true,
      audioOutput: true,
      inputSampleRate: 16_000,
      inputChannels: 1,
      outputSampleRate: 16_000,
      outputChannels: 1,
    };
  }

  private async get(path: string): Promise<Response> {
    const res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`simulator ${path} answered ${res.status}: ${await res.text()}`);
    return res;
  }

  async captureFrame(maxEdge?: number): Promise<RgbFrame> {
    const path = `/api/camera/frame${maxEdge ? `?max_edge=${maxEdge}` : ''}`;
    return this.rawFrame(path, await this.getFrame(path));
  }

  /**
   * The view as a JPEG the simulator encoded (format=jpeg): about 60 KB over the socket instead of 690 KB of RGB,
   * and no encode in the driver. A simulator without that option answers RGB; that frame is handed back as raw.
   */
  async captureJpeg(maxEdge: number, quality: number): Promise<CapturedImage> {
    const path = `/api/camera/frame?max_edge=${maxEdge}&format=jpeg&quality=${quality}`;
    const res = await this.getFrame(path);
    if (res.headers['content-type'] !== 'image/jpeg') return { kind: 'raw', frame: this.rawFrame(path, res) };
    return {
      kind: 'jpeg',
      width: Number(res.headers['x-frame-width']),
      height: Number(res.headers['x-frame-height']),
      quality: Number(res.headers['x-jpeg-quality']),
      data: res.body,
      ts: Number(res.headers['x-frame-ts']) || Date.now(),
    };
  }

  private async getFrame(path: string): Promise<RawReply> {
    const res = await this.getRaw(path);
    if (res.status !== 200) throw new Error(`simulator ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
    return res;
  }

  private rawFrame(path: string, res: RawReply): RgbFrame {
    const data = res.body;
    const width = Number(res.headers['x-frame-width']);
    const height = Number(res.headers['x-frame-height']);
    if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
      throw new Error(`simulator ${path} sent a malformed frame (${width}x${height}, ${data.length} bytes)`);
    }
    return { width, height, data, ts: Number(res.headers['x-frame-ts']) || Date.now() };
  }

  private getRaw(path: string): Promise<RawReply> {
    return new Promise<RawReply>((resolve, reject) => {
      const req = http.get(`${this.baseUrl}${path}`, { agent: this.agent, timeout: TIMEOUT_MS }, (res) => {
        const len = Number(res.headers['content-length']);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
          if (Number.isFinite(len) && body.length !== len) reject(new Error(`simulator ${path}: ${body.length} of ${len} bytes`));
          else resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`simulator ${path} did not answer within ${TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
    });
  }

  async captureAudio(durationMs: number): Promise<AudioChunk> {
    const res = await this.get(`/api/audio/mic?duration_ms=${Math.round(durationMs)}`);
    const buf = await res.arrayBuffer();
    return {
      sampleRate: Number(res.headers.get('x-sample-rate')) || 16_000,
      channels: Number(res.headers.get('x-channels')) || 1,
      samples: new Float32Array(buf),
      startS: Number(res.headers.get('x-start-s')) || 0,
    };
  }

  async pushAudio(chunk: AudioChunk): Promise<void> {
    const body = new Uint8Array(new Float32Array(chunk.samples).buffer as ArrayBuffer);
    const res = await fetch(`${this.baseUrl}/api/audio/speaker/samples?sample_rate=${chunk.sampleRate}&channels=${chunk.channels}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`simulator speaker answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }

  async playFile(absPath: string): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/audio/speaker/play`, {
      method: 'POST',
      body: JSON.stringify({ file: absPath }),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`simulator speaker answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  async webrtcInfo(): Promise<SimWebrtcInfo> {
    const res = await this.get('/api/media/webrtc');
    return (await res.json()) as SimWebrtcInfo;
  }
}
