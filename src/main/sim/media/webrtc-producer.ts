/**
 * The simulator's WebRTC producer `reachymini`: registers with the signalling server as webrtcsink does
 * (setPeerStatus producer, meta {name:"reachymini"}); on startSession it creates a peer connection (werift, pure
 * TypeScript), offers one sendonly VP8 video track, trickles ICE, and applies the consumer's answer. Frames are the
 * sim camera at `width` px rendered at `fps` while at least one session is live, encoded once (ffmpeg VP8) and
 * shared by every session. Video only: the robot's Opus audio and `data` channel are not simulated.
 */
import { errorMessage } from '../../../shared/errors';
import WebSocket from 'ws';
import type { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { loadWerift, outgoingMessage, type OutgoingMessage, type RgbFrame } from '../../media';
import { WEBRTC_PRODUCER_NAME } from '../../../shared/reachy';
import type { Logger } from '../../log';
import type { Vp8Encoder } from './vp8-encoder';

export interface ProducerOptions {
  signallingUrl: string;
  /** Current camera frame at the given longest edge. */
  frame: (maxEdge: number) => Promise<RgbFrame>;
  width?: number;
  fps?: number;
  name?: string;
  logger?: Logger;
}

interface Session {
  id: string;
  consumerId: string;
  pc: RTCPeerConnection;
  track: MediaStreamTrack;
}

export class WebrtcProducer {
  private ws: WebSocket | null = null;
  private peerId: string | null = null;
  private readonly sessions = new Map<string, Session>();
  private encoder: Vp8Encoder | null = null;
  private encoderStarting: Promise<Vp8Encoder> | null = null;
  private pump: NodeJS.Timeout | null = null;
  private rendering = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly width: number;
  private readonly fps: number;

  constructor(private readonly opts: ProducerOptions) {
    this.width = opts.width ?? 640;
    // 10 fps keeps the render + encode cost small in the simulator's own process.
    this.fps = opts.fps ?? 10;
  }

  get id(): string | null {
    return this.peerId;
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  /** Resolves once registered as a producer. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.opts.signallingUrl);
      this.ws = ws;
      let registered = false;
      ws.on('error', (err) => {
        if (!registered) reject(err);
        else this.opts.logger?.warn(`producer signalling link error: ${err.message}`);
      });
      ws.on('close', () => {
        this.peerId = null;
        for (const s of [...this.sessions.values()]) this.endSession(s.id, false);
        if (!this.closed && registered) this.scheduleReconnect();
      });
      ws.on('message', (raw) => {
        let m: OutgoingMessage;
        try {
          const p = outgoingMessage.safeParse(JSON.parse(String(raw)));
          if (!p.success) return;
          m = p.data;
        } catch {
          return;
        }
        if (m.type === 'welcome') {
          this.peerId = m.peerId;
          ws.send(JSON.stringify({ type: 'setPeerStatus', roles: ['producer'], meta: { name: this.opts.name ?? WEBRTC_PRODUCER_NAME } }));
          registered = true;
          resolve();
          return;
        }
        void this.onMessage(m).catch((err: unknown) => this.opts.logger?.warn(`producer: ${errorMessage(err)}`));
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.start().catch(() => this.scheduleReconnect());
    }, 1000);
  }

  private send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private async onMessage(m: OutgoingMessage): Promise<void> {
    switch (m.type) {
      case 'startSession':
        try {
          await this.startSession(m.sessionId, m.peerId);
        } catch (err) {
          // Tell the consumer instead of leaving it waiting for an offer that never comes.
          this.opts.logger?.warn(`WebRTC session failed to start: ${errorMessage(err)}`);
          if (this.sessions.has(m.sessionId)) this.endSession(m.sessionId, true);
          else this.send({ type: 'endSession', sessionId: m.sessionId });
        }
        return;
      case 'peer': {
        const s = this.sessions.get(m.sessionId);
        if (!s) return;
        if (m.sdp?.type === 'answer') await s.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp.sdp });
        // Browsers hide their address behind an mDNS name (xxxx.local); resolving it stalls werift's ICE for seconds,
        // while the browser's own connectivity checks reveal its address anyway (peer-reflexive), so skip those.
        if (m.ice && m.ice.candidate && !/\s\S+\.local\s/.test(m.ice.candidate)) {
          const { RTCIceCandidate } = await loadWerift();
          await s.pc.addIceCandidate(new RTCIceCandidate({ candidate: m.ice.candidate, sdpMLineIndex: m.ice.sdpMLineIndex ?? 0, sdpMid: m.ice.sdpMid ?? undefined }));
        }
        return;
      }
      case 'endSession':
        this.endSession(m.sessionId, false);
        return;
      case 'error':
        this.opts.logger?.warn(`signalling error: ${m.details}`);
        return;
      default:
        return;
    }
  }

  private async startSession(sessionId: string, consumerId: string): Promise<void> {
    const { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } = await loadWerift();
    const pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/VP8',
            clockRate: 90000,
            payloadType: 96,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
          }),
        ],
        audio: [],
      },
      iceServers: [],
    });
    const track = new MediaStreamTrack({ kind: 'video' });
    pc.addTransceiver(track, { direction: 'sendonly' });
    await this.ensureEncoder();
    const session: Session = { id: sessionId, consumerId, pc, track };
    this.sessions.set(sessionId, session);
    // Candidates found before the offer is out are held back: a browser refuses ICE before the remote description.
    let offerSent = false;
    const early: Array<Record<string, unknown>> = [];
    pc.onIceCandidate.subscribe((c) => {
      if (!c) return;
      const j = c.toJSON();
      const msg = { type: 'peer', sessionId, ice: { candidate: j.candidate, sdpMLineIndex: j.sdpMLineIndex ?? 0, sdpMid: j.sdpMid } };
      if (offerSent) this.send(msg);
      else early.push(msg);
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.endSession(sessionId, state === 'failed');
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.send({ type: 'peer', sessionId, sdp: { type: 'offer', sdp: pc.localDescription?.sdp ?? offer.sdp } });
    offerSent = true;
    for (const msg of early.splice(0)) this.send(msg);
    this.startPump();
  }

  private endSession(sessionId: string, notify: boolean): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.delete(sessionId);
    s.track.stop();
    void s.pc.close().catch(() => undefined);
    if (notify) this.send({ type: 'endSession', sessionId });
    if (this.sessions.size === 0) void this.stopEncoder();
  }

  private ensureEncoder(): Promise<Vp8Encoder> {
    if (this.encoder?.running) return Promise.resolve(this.encoder);
    if (!this.encoderStarting) {
      this.encoderStarting = (async () => {
        const probe = await this.opts.frame(this.width);
        const { Vp8Encoder } = await import('./vp8-encoder');
        const enc = new Vp8Encoder({ width: probe.width, height: probe.height, fps: this.fps, logger: this.opts.logger });
        // One encoded stream, fanned out to every live session (each gets its own copy: werift rewrites headers).
        enc.onRtp((rtp) => {
          for (const sess of this.sessions.values()) sess.track.writeRtp(rtp.clone());
        });
        await enc.start();
        this.encoder = enc;
        return enc;
      })().finally(() => {
        this.encoderStarting = null;
      });
    }
    return this.encoderStarting;
  }

  private startPump(): void {
    if (this.pump) return;
    this.pump = setInterval(() => {
      if (this.rendering) return;
      if (!this.encoder?.running) {
        // ffmpeg died (or is starting): bring it back while sessions are live.
        if (this.sessions.size > 0 && !this.encoderStarting) {
          this.encoder = null;
          this.ensureEncoder().catch((err: unknown) => this.opts.logger?.warn(`VP8 encoder restart failed: ${String(err)}`));
        }
        return;
      }
      this.rendering = true;
      this.opts
        .frame(this.width)
        .then((f) => this.encoder?.writeFrame(f.data))
        .catch((err: unknown) => this.opts.logger?.warn(`camera frame for WebRTC failed: ${String(err)}`))
        .finally(() => (this.rendering = false));
    }, 1000 / this.fps);
  }

  private async stopEncoder(): Promise<void> {
    if (this.pump) clearInterval(this.pump);
    this.pump = null;
    const enc = this.encoder;
    this.encoder = null;
    if (enc) await enc.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const s of [...this.sessions.values()]) this.endSession(s.id, true);
    await this.stopEncoder();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => {
        ws.once('close', () => r());
        ws.close();
        setTimeout(r, 500).unref();
      });
    }
  }
}
