/**
 * Browser WebRTC consumer of the GStreamer webrtcsink signalling protocol (docs/DAEMON.md §5.3,
 * the gstwebrtc-api flow): welcome → setPeerStatus listener → list → startSession with the producer named
 * `reachymini` → sessionStarted → the producer's SDP offer → our answer → trickled ICE both ways. Remote ICE that
 * arrives before the offer is queued. A lost link (socket closed, peer connection failed, producer gone) is
 * retried with backoff until `stop()`.
 */
import { errorMessage } from '../../../shared/errors';
export type ConsumerStatus =
  | { state: 'connecting'; detail: string }
  | { state: 'waiting'; detail: string }
  | { state: 'negotiating'; detail: string }
  | { state: 'playing'; detail: string }
  | { state: 'retrying'; detail: string }
  | { state: 'stopped'; detail: string };

export interface ConsumerOptions {
  url: string;
  producerName: string;
  onStream: (stream: MediaStream | null) => void;
  onStatus: (s: ConsumerStatus) => void;
  /** Every signalling message, for the panel's debug view. */
  onMessage?: (dir: 'in' | 'out', msg: Record<string, unknown>) => void;
}

type Msg = { type: string } & Record<string, unknown>;

export class WebrtcConsumer {
  private ws: WebSocket | null = null;
  private pc: RTCPeerConnection | null = null;
  private sessionId: string | null = null;
  private producerId: string | null = null;
  private pendingIce: RTCIceCandidateInit[] = [];
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ConsumerOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.teardown(true);
    this.ws?.close();
    this.ws = null;
    this.opts.onStatus({ state: 'stopped', detail: 'disconnected' });
  }

  private connect(): void {
    this.opts.onStatus({ state: 'connecting', detail: `connecting to ${this.opts.url}` });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url);
    } catch (err) {
      this.retry(`bad signalling URL: ${errorMessage(err)}`);
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      let msg: Msg;
      try {
        msg = JSON.parse(String(ev.data)) as Msg;
      } catch {
        return;
      }
      this.opts.onMessage?.('in', msg);
      this.onSignal(msg).catch((err: unknown) => this.fail(`negotiation failed: ${errorMessage(err)}`));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.teardown(false);
      this.retry('signalling connection closed');
    };
    ws.onerror = () => undefined; // followed by close
  }

  private send(msg: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.opts.onMessage?.('out', msg);
      this.ws.send(JSON.stringify(msg));
    }
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    const delay = Math.min(10_000, 500 * 2 ** this.attempt++);
    this.opts.onStatus({ state: 'retrying', detail: `${reason}; retrying in ${(delay / 1000).toFixed(1)} s` });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped && !this.ws) this.connect();
    }, delay);
  }

  private fail(reason: string): void {
    this.teardown(true);
    this.ws?.close(); // onclose schedules the retry
    if (!this.ws) this.retry(reason);
    else this.opts.onStatus({ state: 'retrying', detail: reason });
  }

  private teardown(sendEnd: boolean): void {
    if (sendEnd && this.sessionId) this.send({ type: 'endSession', sessionId: this.sessionId });
    this.sessionId = null;
    this.pendingIce = [];
    if (this.pc) {
      this.pc.ontrack = null;
      this.pc.onicecandidate = null;
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = null;
      this.opts.onStream(null);
    }
  }

  private startSession(producerId: string): void {
    if (this.sessionId || this.pc) return;
    this.producerId = producerId;
    this.opts.onStatus({ state: 'negotiating', detail: `starting a session with producer ${producerId.slice(0, 8)}…` });
    this.send({ type: 'startSession', peerId: producerId });
  }

  private async onSignal(msg: Msg): Promise<void> {
    switch (msg.type) {
      case 'welcome':
        this.send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'reachy-console' } });
        this.send({ type: 'list' });
        this.opts.onStatus({ state: 'waiting', detail: `looking for producer "${this.opts.producerName}"` });
        return;
      case 'list': {
        const producers = (msg.producers as Array<{ id: string; meta?: { name?: unknown } | null }>) ?? [];
        const p = producers.find((x) => x.meta?.name === this.opts.producerName);
        if (p) this.startSession(p.id);
        else this.opts.onStatus({ state: 'waiting', detail: `no producer "${this.opts.producerName}" yet (${producers.length} listed)` });
        return;
      }
      case 'peerStatusChanged': {
        const roles = (msg.roles as string[]) ?? [];
        const meta = msg.meta as { name?: unknown } | null | undefined;
        if (roles.includes('producer') && meta?.name === this.opts.producerName) this.startSession(msg.peerId as string);
        else if (msg.peerId === this.producerId && !roles.includes('producer')) {
          this.teardown(false);
          this.opts.onStatus({ state: 'waiting', detail: 'the producer left; waiting for it to come back' });
        }
        return;
      }
      case 'sessionStarted':
        this.sessionId = msg.sessionId as string;
        this.createPeer();
        return;
      case 'peer': {
        if (msg.sessionId !== this.sessionId || !this.pc) return;
        const sdp = msg.sdp as RTCSessionDescriptionInit | undefined;
        const ice = msg.ice as RTCIceCandidateInit | undefined;
        if (sdp && sdp.type === 'offer') {
          await this.pc.setRemoteDescription(sdp);
          const answer = await this.pc.createAnswer();
          await this.pc.setLocalDescription(answer);
          this.send({ type: 'peer', sessionId: this.sessionId, sdp: { type: 'answer', sdp: this.pc.localDescription?.sdp ?? answer.sdp } });
          for (const c of this.pendingIce.splice(0)) await this.pc.addIceCandidate(c);
        }
        if (ice && ice.candidate) {
          if (this.pc.remoteDescription) await this.pc.addIceCandidate(ice);
          else this.pendingIce.push(ice);
        }
        return;
      }
      case 'endSession':
        if (msg.sessionId === this.sessionId) {
          this.teardown(false);
          this.opts.onStatus({ state: 'waiting', detail: 'the producer ended the session' });
          this.send({ type: 'list' });
        }
        return;
      case 'error':
        this.opts.onStatus({ state: 'waiting', detail: `signalling error: ${String(msg.details)}` });
        return;
      default:
        return;
    }
  }

  private createPeer(): void {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    const sessionId = this.sessionId;
    pc.onicecandidate = (ev) => {
      if (ev.candidate && ev.candidate.candidate) this.send({ type: 'peer', sessionId, ice: ev.candidate.toJSON() as unknown as Record<string, unknown> });
    };
    pc.ontrack = (ev) => {
      this.opts.onStream(ev.streams[0] ?? new MediaStream([ev.track]));
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === 'connected') {
        this.attempt = 0;
        this.opts.onStatus({ state: 'playing', detail: 'receiving video' });
      } else if (pc.connectionState === 'failed') {
        this.fail('the WebRTC connection failed');
      }
    };
  }
}
