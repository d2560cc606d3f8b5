/**
 * VP8 encoding for the simulator's WebRTC producer. Node has no video encoder, so we run the ffmpeg binary shipped
 * inside the `@ffmpeg-installer/ffmpeg` npm package (no system install; override with REACHY_FFMPEG): raw RGB frames
 * on its stdin, VP8 frames back on its stdout (IVF container: a pipe loses nothing, unlike RTP over UDP when the
 * event loop is busy), packetized here as RTP (RFC 7741) for every WebRTC session's track. ffmpeg runs as a separate
 * process (not linked into ours).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { RtpHeader, RtpPacket } from 'werift';
import type { Logger } from '../../log';
import { findFfmpeg } from '../../media';

export { findFfmpeg };

const RTP_PAYLOAD_MAX = 1100;

/** Splits one VP8 frame into RTP packets (RFC 7741 payload descriptor: 1 byte, S bit on the first). */
export function packetizeVp8(frame: Buffer, timestamp: number, nextSeq: () => number, ssrc: number): RtpPacket[] {
  const out: RtpPacket[] = [];
  for (let off = 0; off < frame.length; off += RTP_PAYLOAD_MAX) {
    const chunk = frame.subarray(off, Math.min(frame.length, off + RTP_PAYLOAD_MAX));
    const descriptor = Buffer.from([off === 0 ? 0x10 : 0x00]);
    const header = new RtpHeader({ payloadType: 96, sequenceNumber: nextSeq(), timestamp, ssrc, marker: off + RTP_PAYLOAD_MAX >= frame.length });
    out.push(new RtpPacket(header, Buffer.concat([descriptor, chunk])));
  }
  return out;
}

/** Incremental IVF reader: 32-byte file header, then frames of [u32 size, u64 pts, data]. */
class IvfReader {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;
  constructor(private readonly onFrame: (frame: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.headerDone) {
      if (this.buf.length < 32) return;
      this.buf = this.buf.subarray(32);
      this.headerDone = true;
    }
    while (this.buf.length >= 12) {
      const size = this.buf.readUInt32LE(0);
      if (this.buf.length < 12 + size) return;
      this.onFrame(Buffer.from(this.buf.subarray(12, 12 + size)));
      this.buf = this.buf.subarray(12 + size);
    }
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
  private listeners = new Set<(rtp: RtpPacket) => void>();
  private seq = Math.floor(Math.random() * 65536);
  private readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  private readonly t0 = Date.now();
  private stopped = false;
  framesWritten = 0;
  framesDropped = 0;

  constructor(private readonly opts: Vp8EncoderOptions) {}

  onRtp(cb: (rtp: RtpPacket) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  get running(): boolean {
    return this.proc !== null && !this.stopped;
  }

  async start(): Promise<void> {
    const ffmpeg = findFfmpeg();
    if (ffmpeg instanceof Error) throw ffmpeg;
    const { width, height, fps } = this.opts;
    const args = [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
      '-an', '-c:v', 'libvpx', '-pix_fmt', 'yuv420p', '-deadline', 'realtime', '-cpu-used', '8',
      '-b:v', `${this.opts.bitrateKbps ?? 1200}k`, '-g', String(fps), '-keyint_min', String(fps),
      '-auto-alt-ref', '0', '-lag-in-frames', '0', '-error-resilient', '1',
      '-flush_packets', '1', '-f', 'ivf', 'pipe:1',
    ];
    const proc = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    // RTP timestamps from the wall clock (90 kHz): frames are real-time, whatever ffmpeg's input rate assumption.
    const reader = new IvfReader((frame) => {
      const ts = (Math.round((Date.now() - this.t0) * 90) >>> 0) % 0x100000000;
      for (const pkt of packetizeVp8(frame, ts, () => (this.seq = (this.seq + 1) & 0xffff), this.ssrc)) {
        for (const l of this.listeners) l(pkt);
      }
    });
    proc.stdout.on('data', (d: Buffer) => reader.push(d));
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
    this.listeners.clear();
  }
}
