/**
 * Media source contract (docs/ARCHITECTURE.md): the driver's media functions read frames and audio from one pluggable
 * source — the simulator's camera/microphone (over its HTTP extension), a real robot's WebRTC stream fed by a
 * media renderer, or none. A source never fakes data: a capability it lacks is absent or throws
 * `MediaUnsupportedError`, which the driver turns into `{status:"unsupported", reason}`.
 */

/** Packed RGB, 3 bytes per pixel, row-major, no padding. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Buffer;
  /** ms epoch (or sim clock ms) when the frame was rendered/received. */
  ts: number;
}

/** Mono or interleaved float32 PCM in [-1, 1]. */
export interface AudioChunk {
  sampleRate: number;
  channels: number;
  samples: Float32Array;
  /** Time (s, source clock) of the first sample. */
  startS: number;
}

export interface MediaCapabilities {
  videoInput: boolean;
  audioInput: boolean;
  audioOutput: boolean;
  inputSampleRate: number | null;
  inputChannels: number | null;
  outputSampleRate: number | null;
  outputChannels: number | null;
}

/**
 * A camera view the source encoded itself (the simulator can: GET /api/camera/frame?format=jpeg), or the raw frame
 * when it answered with RGB after all; the driver validates the JPEG before using it (src/main/media/encode.ts).
 */
export type CapturedImage = { kind: 'jpeg'; width: number; height: number; quality: number; data: Buffer; ts: number } | { kind: 'raw'; frame: RgbFrame };

export interface MediaSource {
  /** `sim` = simulator camera/mic; `webrtc` = robot stream handed over by a media renderer. */
  readonly kind: 'sim' | 'webrtc';
  readonly description: string;
  capabilities(): MediaCapabilities;
  /** Latest camera view, scaled so its longest edge is ≤ maxEdge (the source may render at that size). */
  captureFrame(maxEdge?: number): Promise<RgbFrame>;
  /**
   * Optional: the latest view already encoded as a JPEG, longest edge ≤ maxEdge, at `quality`. Only a source that
   * can encode cheaply near the camera has it (the simulator); others leave the encode to the driver.
   */
  captureJpeg?(maxEdge: number, quality: number): Promise<CapturedImage>;
  /** The latest `durationMs` of microphone audio. */
  captureAudio(durationMs: number): Promise<AudioChunk>;
  /** Sends samples to the speaker (robot-side playback). */
  pushAudio?(chunk: AudioChunk): Promise<void>;
  /** Plays a sound file (already validated to be inside an allowed folder) on the robot's speaker. */
  playFile?(absPath: string): Promise<void>;
  /** Hands a frame to the source's video sink (e.g. a display); optional. */
  pushVideoFrame?(frame: RgbFrame): Promise<void>;
  close?(): Promise<void>;
}

export class MediaUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaUnsupportedError';
  }
}
