/**
 * A media source fed from outside: the robot's WebRTC stream decoded elsewhere (in the desktop app, a hidden media
 * renderer) hands frames and microphone samples to main through `pushFrame` / `pushAudio`. It answers only with
 * what it was given: no frame yet → MediaUnsupportedError (never a fake frame).
 */
import type { AudioChunk, MediaCapabilities, MediaSource, RgbFrame } from './types';
import { MediaUnsupportedError } from './types';
import { loadSharp } from './lazy';

export class PushedMediaSource implements MediaSource {
  readonly kind = 'webrtc' as const;
  private frame: RgbFrame | null = null;
  private audio: Float32Array;
  private audioWrite = 0;
  private audioFilled = 0;
  private audioEndS = 0;

  constructor(
    readonly description = 'robot WebRTC stream (media renderer)',
    readonly sampleRate = 16_000,
    private readonly maxAgeMs = 2000,
  ) {
    this.audio = new Float32Array(sampleRate * 10);
  }

  capabilities(): MediaCapabilities {
    return {
      videoInput: this.frame !== null,
      audioInput: this.audioFilled > 0,
      audioOutput: false,
      inputSampleRate: this.audioFilled > 0 ? this.sampleRate : null,
      inputChannels: this.audioFilled > 0 ? 1 : null,
      outputSampleRate: null,
      outputChannels: null,
    };
  }

  pushFrame(frame: RgbFrame): void {
    this.frame = frame;
  }

  /** Microphone samples (mono, at `sampleRate`) decoded from the robot stream. */
  pushMicAudio(chunk: AudioChunk): void {
    const s = chunk.samples;
    for (let i = 0; i < s.length; i++) {
      this.audio[this.audioWrite] = s[i];
      this.audioWrite = (this.audioWrite + 1) % this.audio.length;
    }
    this.audioFilled = Math.min(this.audio.length, this.audioFilled + s.length);
    this.audioEndS = chunk.startS + s.length / this.sampleRate;
  }

  async captureFrame(maxEdge?: number): Promise<RgbFrame> {
    const f = this.frame;
    if (!f) throw new MediaUnsupportedError('no video frame received from the robot stream yet');
    if (Date.now() - f.ts > this.maxAgeMs) throw new MediaUnsupportedError(`the robot video stream is stale (last frame ${Date.now() - f.ts} ms ago)`);
    if (!maxEdge || Math.max(f.width, f.height) <= maxEdge) return f;
    const s = maxEdge / Math.max(f.width, f.height);
    const width = Math.max(1, Math.round(f.width * s));
    const height = Math.max(1, Math.round(f.height * s));
    const sharp = await loadSharp();
    const data = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(width, height).raw().toBuffer();
    return { width, height, data, ts: f.ts };
  }

  async captureAudio(durationMs: number): Promise<AudioChunk> {
    if (this.audioFilled === 0) throw new MediaUnsupportedError('no audio received from the robot stream yet');
    const n = Math.min(this.audioFilled, Math.max(1, Math.round((durationMs / 1000) * this.sampleRate)));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.audio[(this.audioWrite - n + i + this.audio.length) % this.audio.length];
    return { sampleRate: this.sampleRate, channels: 1, samples: out, startS: this.audioEndS - n / this.sampleRate };
  }
}
