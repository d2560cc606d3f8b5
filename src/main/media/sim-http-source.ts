/**
 * Media source for the simulator, over the sim's HTTP media extension (src/main/sim/media/http.ts). Works for a sim
 * in this process or another one; the driver never imports the simulator.
 */
import type { AudioChunk, MediaCapabilities, MediaSource, RgbFrame } from './types';

const TIMEOUT_MS = 5000;

export interface SimWebrtcInfo {
  running: boolean;
  signalling_url: string | null;
  producer: string;
  error?: string;
}

export class SimHttpMediaSource implements MediaSource {
  readonly kind = 'sim' as const;
  readonly description: string;

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
    const res = await this.get(`/api/camera/frame${maxEdge ? `?max_edge=${maxEdge}` : ''}`);
    const data = Buffer.from(await res.arrayBuffer());
    const width = Number(res.headers.get('x-frame-width'));
    const height = Number(res.headers.get('x-frame-height'));
    if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
      throw new Error(`simulator sent a malformed frame (${width}x${height}, ${data.length} bytes)`);
    }
    return { width, height, data, ts: Number(res.headers.get('x-frame-ts')) || Date.now() };
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

  async webrtcInfo(): Promise<SimWebrtcInfo> {
    const res = await this.get('/api/media/webrtc');
    return (await res.json()) as SimWebrtcInfo;
  }
}
