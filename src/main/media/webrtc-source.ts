/**
 * A media source from a robot's WebRTC stream, for a driver in Node (headless, no browser): a werift consumer of the
 * webrtcsink signalling protocol (same flow as the console's Video panel), whose video RTP packets are handed to the
 * ffmpeg of `@ffmpeg-installer/ffmpeg` (described by an SDP file: VP8 or H.264, whatever the robot offered) and decoded
 * to 1280×720 RGB frames, which feed a PushedMediaSource. Video only (no microphone yet). Reconnects with backoff.
 * Opt-in (it decodes continuously): `REACHY_MEDIA_WEBRTC=1` or `createMediaSource(target, { webrtc: true })`.
 */
import { errorMessage } from '../../shared/errors';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { MediaStreamTrack, RTCIceCandidate, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { Logger } from '../log';
import { findFfmpeg } from './ffmpeg';
import { PushedMediaSource } from './pushed-source';
import type { AudioChunk, MediaCapabilities, MediaSource, RgbFrame } from './types';
import { outgoingMessage } from './signalling/protocol';

export interface WebrtcSourceOptions {
  signallingUrl: string;
  producerName?: string;
  logger?: Logger;
  width?: number;
  height?: number;
}

export class WebrtcMediaSource implements MediaSource {
  readonly kind = 'webrtc' as const;
  readonly description: string;
  private readonly inner = new PushedMediaSource();
  private ws: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private decoder: ChildProcessWithoutNullStreams | null = null;
  private udp: Socket | null = null;
  private tmpDir: string | null = null;
  private sessionId: string | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pliTimer: NodeJS.Timeout | null = null;
  private readonly width: number;
  private readonly height: number;
  status = 'connecting';

  constructor(private readonly opts: WebrtcSourceOptions) {
    this.width = opts.width ?? 1280;
    this.height = opts.height ?? 720;
    this.description = `robot WebRTC stream (${opts.signallingUrl}, producer ${opts.producerName ?? 'reachymini'})`;
  }

  capabilities(): MediaCapabilities {
    return this.inner.capabilities();
  }

  captureFrame(maxEdge?: number): Promise<RgbFrame> {
    return this.inner.captureFrame(maxEdge);
  }

  captureAudio(durationMs: number): Promise<AudioChunk> {
    return this.inner.captureAudio(durationMs);
  }

  start(): void {
    this.closed = false;
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.teardown();
    this.ws?.close();
    this.ws = null;
  }

  private connect(): void {
    const ws = new WebSocket(this.opts.signallingUrl, { handshakeTimeout: 5000 });
    this.ws = ws;
    ws.on('error', () => undefined); // followed by close
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.teardown();
      this.retry('signalling connection closed');
    });
    ws.on('message', (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(raw));
      } catch {
        return;
      }
      const m = outgoingMessage.safeParse(parsed);
      if (!m.success) return;
      this.onSignal(m.data).catch((err: unknown) => {
        this.opts.logger?.warn(`WebRTC media source: ${errorMessage(err)}`);
        this.teardown();
        ws.close();
      });
    });
  }

  private retry(reason: string): void {
    if (this.closed) return;
    const delay = Math.min(15_000, 1000 * 2 ** this.attempt++);
    this.status = `${reason}; retrying in ${delay / 1000} s`;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && !this.ws) this.connect();
    }, delay);
  }

  private send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private async onSignal(m: ReturnType<typeof outgoingMessage.parse>): Promise<void> {
    const producerName = this.opts.producerName ?? 'reachymini';
    switch (m.type) {
      case 'welcome':
        this.send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'reachy-driver-media' } });
        this.send({ type: 'list' });
        return;
      case 'list': {
        const p = m.producers.find((x) => x.meta?.name === producerName);
        if (p && !this.sessionId) this.send({ type: 'startSession', peerId: p.id });
        else if (!p) this.status = `no producer "${producerName}" listed`;
        return;
      }
      case 'peerStatusChanged':
        if (!this.sessionId && m.roles.includes('producer') && m.meta?.name === producerName) this.send({ type: 'startSession', peerId: m.peerId });
        return;
      case 'sessionStarted':
        this.sessionId = m.sessionId;
        this.createPeer();
        return;
      case 'peer': {
        const pc = this.pc;
        if (!pc || m.sessionId !== this.sessionId) return;
        if (m.sdp?.type === 'offer') {
          await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp.sdp });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          this.send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'answer', sdp: pc.localDescription?.sdp ?? answer.sdp } });
        }
        if (m.ice?.candidate && !/\s\S+\.local\s/.test(m.ice.candidate)) {
          await pc.addIceCandidate(new RTCIceCandidate({ candidate: m.ice.candidate, sdpMLineIndex: m.ice.sdpMLineIndex ?? 0 }));
        }
        return;
      }
      case 'endSession':
        if (m.sessionId === this.sessionId) {
          this.teardown();
          this.send({ type: 'list' });
        }
        return;
      default:
        return;
    }
  }

  private createPeer(): void {
    const fb = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
    const pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: fb }),
          new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: fb, parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' }),
        ],
        audio: [],
      },
    });
    this.pc = pc;
    const sessionId = this.sessionId;
    pc.onIceCandidate.subscribe((c) => {
      if (c) this.send({ type: 'peer', sessionId, ice: c.toJSON() });
    });
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') {
        this.attempt = 0;
        this.status = 'connected';
      } else if (s === 'failed' && this.pc === pc) {
        this.teardown();
        this.ws?.close();
      }
    });
    pc.onTrack.subscribe((track) => {
      if (track.kind !== 'video') return;
      this.startDecoder(track).catch((err: unknown) => this.opts.logger?.warn(`WebRTC decoder: ${errorMessage(err)}`));
    });
  }

  private async startDecoder(track: MediaStreamTrack): Promise<void> {
    if (this.decoder) return;
    const ffmpeg = findFfmpeg();
    if (ffmpeg instanceof Error) {
      this.status = ffmpeg.message;
      return;
    }
    // The codec comes from the first packet's payload type, looked up in what was negotiated.
    const first = await new Promise<{ pt: number; ssrc: number }>((resolve) => {
      const sub = track.onReceiveRtp.subscribe((rtp) => {
        sub.unSubscribe();
        resolve({ pt: rtp.header.payloadType, ssrc: rtp.header.ssrc });
      });
    });
    const codec = track.codec ?? this.pc?.getTransceivers().flatMap((t) => t.codecs).find((c) => c.payloadType === first.pt);
    const name = codec?.mimeType.split('/')[1] ?? 'VP8';
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const port = await freeUdpPort();
    this.udp = udp;
    this.tmpDir = mkdtempSync(path.join(tmpdir(), 'reachy-webrtc-'));
    const sdpFile = path.join(this.tmpDir, 'stream.sdp');
    writeFileSync(
      sdpFile,
      [
        'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=reachy', 'c=IN IP4 127.0.0.1', 't=0 0',
        `m=video ${port} RTP/AVP ${first.pt}`,
        `a=rtpmap:${first.pt} ${name}/90000`,
        ...(name === 'H264' ? [`a=fmtp:${first.pt} packetization-mode=1`] : []),
        '',
      ].join('\r\n'),
    );
    const args = [
      '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp',
      '-fflags', 'nobuffer', '-flags', 'low_delay', '-i', sdpFile,
      '-vf', `scale=${this.width}:${this.height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ];
    const proc = spawn(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.decoder = proc;
    proc.stderr.on('data', (d: Buffer) => this.opts.logger?.debug(`ffmpeg decode: ${d.toString().trim()}`));
    proc.on('exit', () => {
      if (this.decoder === proc) this.decoder = null;
    });
    const frameBytes = this.width * this.height * 3;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    proc.stdout.on('data', (d: Buffer) => {
      pending.push(d);
      pendingBytes += d.length;
      while (pendingBytes >= frameBytes) {
        const all = Buffer.concat(pending);
        this.inner.pushFrame({ width: this.width, height: this.height, data: Buffer.from(all.subarray(0, frameBytes)), ts: Date.now() });
        const rest = all.subarray(frameBytes);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    });
    // Give ffmpeg a moment to open its port, then forward packets and ask for a keyframe now and then until frames flow.
    await new Promise((r) => setTimeout(r, 300));
    track.onReceiveRtp.subscribe((rtp) => {
      if (this.udp === udp) udp.send(rtp.serialize(), port, '127.0.0.1');
    });
    const receiver = this.pc?.getReceivers()[0];
    this.pliTimer = setInterval(() => {
      if (this.inner.capabilities().videoInput) return;
      void receiver?.sendRtcpPLI(first.ssrc).catch(() => undefined);
    }, 1000);
  }

  private teardown(): void {
    this.sessionId = null;
    if (this.pliTimer) clearInterval(this.pliTimer);
    this.pliTimer = null;
    const pc = this.pc;
    this.pc = null;
    if (pc) void pc.close().catch(() => undefined);
    const proc = this.decoder;
    this.decoder = null;
    if (proc) proc.kill('SIGKILL');
    const udp = this.udp;
    this.udp = null;
    if (udp) udp.close();
    if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    this.tmpDir = null;
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}
