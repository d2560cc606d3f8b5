/**
 * VP8 encoding for the simulator's WebRTC producer. Node has no video encoder, so we run the ffmpeg binary shipped
 * inside the `@ffmpeg-installer/ffmpeg` npm package (no system install; override with REACHY_FFMPEG): raw RGB frames
 * on its stdin, VP8 RTP packets out to a loopback UDP socket we own, which the producer forwards to each WebRTC
 * session's track. ffmpeg runs as a separate process (not linked into ours).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { accessSync, chmodSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log';

/** Path of a usable ffmpeg, or an Error saying why there is none. */
export function findFfmpeg(): string | Error {
  const env = process.env.REACHY_FFMPEG;
  if (env) return env;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    try {
      accessSync(installer.path, constants.X_OK);
    } catch {
      // npm may skip the package's postinstall `chmod u+x`; fix it once.
      chmodSync(installer.path, 0o755);
    }
    return installer.path;
  } catch (err) {
    return new Error(`no ffmpeg for VP8 encoding (@ffmpeg-installer/ffmpeg: ${err instanceof Error ? err.message : String(err)}); set REACHY_FFMPEG`);
  }
}

export interface Vp8EncoderOptions {
  width: number;
  height: number;
  fps: number;
  bitrateKbps?: number;
  logger?: Logger;
}

export class Vp8Encoder {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private udp: Socket | null = null;
  private listeners = new Set<(rtp: Buffer) => void>();
  private stopped = false;
  framesWritten = 0;
  framesDropped = 0;

  constructor(private readonly opts: Vp8EncoderOptions) {}

  onRtp(cb: (rtp: Buffer) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  get running(): boolean {
    return this.proc !== null && !this.stopped;
  }

  async start(): Promise<void> {
    const ffmpeg = findFfmpeg();
    if (ffmpeg instanceof Error) throw ffmpeg;
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    udp.on('message', (msg) => {
      for (const l of this.listeners) l(msg);
    });
    this.udp = udp;
    const port = (udp.address() as AddressInfo).port;
    const { width, height, fps } = this.opts;
    const args = [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
      '-an', '-c:v', 'libvpx', '-pix_fmt', 'yuv420p', '-deadline', 'realtime', '-cpu-used', '8',
      '-b:v', `${this.opts.bitrateKbps ?? 1200}k`, '-g', String(fps), '-keyint_min', String(fps),
      '-auto-alt-ref', '0', '-lag-in-frames', '0', '-error-resilient', '1',
      '-payload_type', '96', '-f', 'rtp', '-pkt_size', '1200', `rtp://127.0.0.1:${port}`,
    ];
    const proc = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout.resume();
    proc.stderr.on('data', (d: Buffer) => this.opts.logger?.debug(`ffmpeg: ${d.toString().trim()}`));
    proc.stdin.on('error', () => undefined); // EPIPE when ffmpeg exits; reported by 'exit'
    proc.on('exit', (code, signal) => {
      if (!this.stopped) this.opts.logger?.warn(`ffmpeg exited (code ${code}, signal ${signal})`);
      this.proc = null;
    });
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
  }

  /** Queues one RGB frame; dropped (not queued) while ffmpeg is still busy with earlier ones. */
  writeFrame(rgb: Buffer): void {
    const p = this.proc;
    if (!p || this.stopped || rgb.length !== this.opts.width * this.opts.height * 3) return;
    if (p.stdin.writableLength > rgb.length * 2) {
      this.framesDropped++;
      return;
    }
    p.stdin.write(rgb);
    this.framesWritten++;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const p = this.proc;
    this.proc = null;
    if (p) {
      p.stdin.end();
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      const t = setTimeout(() => p.kill('SIGKILL'), 1000);
      p.kill('SIGTERM');
      await exited;
      clearTimeout(t);
    }
    const udp = this.udp;
    this.udp = null;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    this.listeners.clear();
  }
}
