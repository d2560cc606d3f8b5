/**
 * The simulator's media: camera (rendered at the sim's current world head pose), microphone (from the sim clock),
 * speaker sink, and optionally the WebRTC signalling server + producer of the camera. One instance per sim.
 */
import { errorMessage } from '../../../shared/errors';
import type { Mat4 } from '../../../shared/kinematics';
import type { RgbFrame } from '../../media';
import { SimCamera } from './camera';
import { loadScene } from './scene';
import { RenderWorker } from './render-worker';
import { MIC_SAMPLE_RATE, SimMicrophone, type MicSchedule } from './microphone';
import { SimSpeaker } from './speaker';
import { DEFAULT_SIGNALLING_PORT, WEBRTC_PRODUCER_NAME } from '../../../shared/reachy';
import type { Logger } from '../../log';
import { SignallingServer } from './signalling-server';
import { WebrtcProducer } from './webrtc-producer';
import { findFfmpeg, jpegBytes } from '../../media';

/** A camera view already encoded as JPEG (GET /api/camera/frame?format=jpeg). */
export interface JpegFrame {
  width: number;
  height: number;
  quality: number;
  data: Buffer;
  ts: number;
}

export interface SimMediaOptions {
  /** Sim clock, ms epoch. */
  now: () => number;
  /** Present head pose in the world frame (row-major 4×4, metres). */
  headPose: () => Mat4;
  micSchedule?: MicSchedule;
  sceneFile?: string;
  logger?: Logger;
}

export interface WebrtcStartOptions {
  /** Signalling port: 0 = any free port (default), 8443 = the robot's. */
  port?: number;
  host?: string;
  /** Streamed video width (px) and frame rate. */
  width?: number;
  fps?: number;
  /** true: a signalling port that cannot be opened is thrown (a user asked for that port), not only reported. */
  failOnListenError?: boolean;
}

export interface WebrtcInfo {
  running: boolean;
  signalling_url: string | null;
  producer: string;
  /** Why it is not running (ffmpeg missing, disabled, ...). */
  error?: string;
  default_port: number;
}

export class SimMedia {
  readonly mic: (durationMs: number) => { sampleRate: number; startS: number; samples: Float32Array };
  readonly speaker = new SimSpeaker();
  private camera: SimCamera | null = null;
  private cameraLoading: Promise<SimCamera> | null = null;
  // The last render and its last JPEG (the scene is static: the same pose and size give the same picture). Both hold
  // the promise, so concurrent captures at one pose share one render / one encode.
  private lastFrame: { key: string; frame: Promise<RgbFrame> } | null = null;
  private lastJpeg: { key: string; jpeg: Promise<Buffer> } | null = null;
  private webrtc: WebrtcInfo = { running: false, signalling_url: null, producer: WEBRTC_PRODUCER_NAME, default_port: DEFAULT_SIGNALLING_PORT };
  private readonly microphone: SimMicrophone;
  private signalling: SignallingServer | null = null;
  private producer: WebrtcProducer | null = null;
  private renderWorker: RenderWorker | null = null;

  constructor(private readonly opts: SimMediaOptions) {
    this.microphone = new SimMicrophone(opts.micSchedule);
    this.mic = (durationMs) => {
      const r = this.microphone.read(this.opts.now() / 1000, durationMs);
      return { sampleRate: MIC_SAMPLE_RATE, ...r };
    };
  }

  async getCamera(): Promise<SimCamera> {
    if (this.camera) return this.camera;
    if (!this.cameraLoading) {
      this.cameraLoading = loadScene(this.opts.sceneFile).then((scene) => {
        this.renderWorker = new RenderWorker(scene, this.opts.logger);
        return (this.camera = new SimCamera(scene, undefined, this.renderWorker));
      });
      this.cameraLoading.catch(() => (this.cameraLoading = null));
    }
    return this.cameraLoading;
  }

  /** The camera view now; identical pose and size reuse the last render (the scene is static). */
  async frame(maxEdge?: number): Promise<RgbFrame> {
    const { frame } = await this.currentFrame(maxEdge);
    return { ...(await frame), ts: this.opts.now() };
  }

  /**
   * The camera view now as a JPEG at `quality`: rendered like `frame`, encoded with sharp (libvips on the libuv
   * threadpool, so this event loop stays free). The same view and quality reuse the last encode.
   */
  async frameJpeg(maxEdge: number | undefined, quality: number): Promise<JpegFrame> {
    const { key, frame } = await this.currentFrame(maxEdge);
    const jpegKey = `${key}|q${quality}`;
    let cached = this.lastJpeg?.key === jpegKey ? this.lastJpeg : null;
    if (!cached) {
      // The driver's own encode (src/main/media/encode.ts), so a JPEG from here is the one the driver would make.
      const jpeg = frame.then((f) => jpegBytes(f, quality));
      cached = this.lastJpeg = { key: jpegKey, jpeg };
      jpeg.catch(() => {
        if (this.lastJpeg === cached) this.lastJpeg = null;
      });
    }
    const [f, data] = await Promise.all([frame, cached.jpeg]);
    return { width: f.width, height: f.height, quality, data, ts: this.opts.now() };
  }

  private async currentFrame(maxEdge?: number): Promise<{ key: string; frame: Promise<RgbFrame> }> {
    const cam = await this.getCamera();
    const pose = this.opts.headPose();
    const key = `${maxEdge ?? 0}|${pose.map((x) => x.toFixed(6)).join(',')}`;
    if (this.lastFrame?.key === key) return this.lastFrame;
    const entry = { key, frame: cam.renderAsync(pose, maxEdge, this.opts.now()) };
    this.lastFrame = entry;
    entry.frame.catch(() => {
      if (this.lastFrame === entry) this.lastFrame = null;
    });
    return entry;
  }

  speakerPush(samples: Float32Array, sampleRate: number, channels: number): number {
    this.speaker.pushSamples(samples, sampleRate, channels, this.opts.now());
    return Math.floor(samples.length / channels);
  }

  speakerPlay(file: string): void {
    this.speaker.playFile(file, this.opts.now());
  }

  setWebrtcInfo(info: Partial<WebrtcInfo>): void {
    this.webrtc = { ...this.webrtc, ...info };
  }

  webrtcInfo(): WebrtcInfo {
    return { ...this.webrtc };
  }

  /**
   * Starts the webrtcsink-compatible signalling server and the `reachymini` producer of the camera. Throws only
   * with `failOnListenError`: without ffmpeg the signalling server still runs (so the protocol can be probed) and
   * the error is reported in `webrtcInfo()`.
   */
  async startWebrtc(opts: WebrtcStartOptions = {}): Promise<WebrtcInfo> {
    if (this.signalling) return this.webrtcInfo();
    const server = new SignallingServer({ host: opts.host, port: opts.port ?? 0, logger: this.opts.logger });
    try {
      await server.start();
    } catch (err) {
      if (opts.failOnListenError) throw err;
      this.setWebrtcInfo({ running: false, error: `signalling server: ${errorMessage(err)}` });
      return this.webrtcInfo();
    }
    this.signalling = server;
    const ffmpeg = findFfmpeg();
    if (ffmpeg instanceof Error) {
      this.setWebrtcInfo({ running: false, signalling_url: server.url, error: ffmpeg.message });
      return this.webrtcInfo();
    }
    const producer = new WebrtcProducer({
      signallingUrl: server.url,
      frame: (edge) => this.frame(edge),
      width: opts.width,
      fps: opts.fps,
      logger: this.opts.logger,
    });
    try {
      await producer.start();
      this.producer = producer;
      this.setWebrtcInfo({ running: true, signalling_url: server.url, error: undefined });
    } catch (err) {
      this.setWebrtcInfo({ running: false, signalling_url: server.url, error: `producer: ${errorMessage(err)}` });
    }
    return this.webrtcInfo();
  }

  async stopWebrtc(): Promise<void> {
    const producer = this.producer;
    const server = this.signalling;
    this.producer = null;
    this.signalling = null;
    if (producer) await producer.close();
    if (server) await server.close();
    this.setWebrtcInfo({ running: false, signalling_url: null });
  }

  async close(): Promise<void> {
    await this.stopWebrtc();
    await this.renderWorker?.close();
  }
}
