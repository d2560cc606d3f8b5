/**
 * A signalling server speaking the GStreamer webrtcsink protocol (gst-plugins-rs default signaller;
 * docs/DAEMON.md §5.3): welcome on connect; setPeerStatus (producer | consumer | listener; producer together
 * with consumer is an error) notifies listeners with peerStatusChanged; list / listConsumers answer the requester;
 * startSession from a consumer → consumer gets sessionStarted, producer gets startSession; `peer` (sdp/ice) is
 * forwarded verbatim to the other side; a consumer may not send an offer through `peer`; endSession is forwarded;
 * disconnecting ends the peer's sessions and announces its removal (roles: []). Errors: {type:"error", details}.
 * Unauthenticated, like the robot's; binds 127.0.0.1 unless told otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { incomingMessage, type OutgoingMessage } from '../../media';
import type { Logger } from '../../log';

interface Peer {
  id: string;
  ws: WebSocket;
  roles: Set<'producer' | 'consumer' | 'listener'>;
  meta: Record<string, unknown> | null;
}

interface Session {
  id: string;
  producer: string;
  consumer: string;
}

export interface SignallingServerOptions {
  host?: string;
  /** 0 = any free port (default); the robot's is 8443. */
  port?: number;
  logger?: Logger;
  /** Largest accepted message (SDP offers are a few kB). */
  maxPayload?: number;
}

export class SignallingServer {
  private wss: WebSocketServer | null = null;
  private readonly peers = new Map<string, Peer>();
  private readonly sessions = new Map<string, Session>();
  private boundPort = 0;
  private boundHost = '127.0.0.1';

  constructor(private readonly opts: SignallingServerOptions = {}) {}

  get url(): string {
    return `ws://${this.boundHost}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    const wss = new WebSocketServer({ host, port: this.opts.port ?? 0, maxPayload: this.opts.maxPayload ?? 256 * 1024 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('error', (err) => this.opts.logger?.warn(`signalling server error: ${err.message}`));
    this.wss = wss;
    this.boundPort = (wss.address() as AddressInfo).port;
    this.boundHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    wss.on('connection', (ws) => this.onConnection(ws));
    return this.url;
  }

  async close(): Promise<void> {
    const wss = this.wss;
    this.wss = null;
    if (!wss) return;
    for (const p of this.peers.values()) p.ws.terminate();
    this.peers.clear();
    this.sessions.clear();
    await new Promise<void>((r) => wss.close(() => r()));
  }

  /** Producers currently registered (for status displays and tests). */
  producers(): Array<{ id: string; meta: Record<string, unknown> | null }> {
    return [...this.peers.values()].filter((p) => p.roles.has('producer')).map((p) => ({ id: p.id, meta: p.meta }));
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  private send(peer: Peer | undefined, msg: OutgoingMessage): void {
    if (peer && peer.ws.readyState === WebSocket.OPEN) peer.ws.send(JSON.stringify(msg));
  }

  private error(peer: Peer, details: string): void {
    this.send(peer, { type: 'error', details });
  }

  private onConnection(ws: WebSocket): void {
    const peer: Peer = { id: randomUUID(), ws, roles: new Set(), meta: null };
    this.peers.set(peer.id, peer);
    this.send(peer, { type: 'welcome', peerId: peer.id });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return this.error(peer, 'binary messages are not supported');
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(raw));
      } catch {
        return this.error(peer, 'message is not valid JSON');
      }
      const m = incomingMessage.safeParse(parsed);
      if (!m.success) {
        const type = (parsed as { type?: unknown } | null)?.type;
        return this.error(peer, `invalid message${typeof type === 'string' ? ` of type "${type}"` : ''}: ${m.error.issues.map((i) => `${i.path.join('.') || 'type'}: ${i.message}`).join('; ')}`);
      }
      this.handle(peer, m.data);
    });
    ws.on('close', () => this.removePeer(peer));
    ws.on('error', () => this.removePeer(peer));
  }

  private handle(peer: Peer, m: ReturnType<typeof incomingMessage.parse>): void {
    switch (m.type) {
      case 'setProtocolVersion':
        return;
      case 'setPeerStatus': {
        const roles = new Set(m.roles);
        if (roles.has('producer') && roles.has('consumer')) return this.error(peer, 'a peer cannot be producer and consumer at once');
        const wasProducer = peer.roles.has('producer');
        peer.roles = roles;
        peer.meta = m.meta ?? null;
        if (wasProducer && !roles.has('producer')) this.endSessionsOf(peer.id, 'producer');
        this.announce(peer);
        return;
      }
      case 'list':
        return this.send(peer, { type: 'list', producers: this.producers() });
      case 'listConsumers':
        return this.send(peer, {
          type: 'listConsumers',
          consumers: [...this.peers.values()].filter((p) => p.roles.has('consumer')).map((p) => ({ id: p.id, meta: p.meta })),
        });
      case 'startSession': {
        const producer = this.peers.get(m.peerId);
        if (!producer || !producer.roles.has('producer')) return this.error(peer, `Peer with ID '${m.peerId}' not found`);
        if (producer.id === peer.id) return this.error(peer, 'a producer cannot start a session with itself');
        if (peer.roles.has('producer')) return this.error(peer, 'a producer cannot be a consumer');
        peer.roles.add('consumer');
        const session: Session = { id: randomUUID(), producer: producer.id, consumer: peer.id };
        this.sessions.set(session.id, session);
        this.send(peer, { type: 'sessionStarted', peerId: producer.id, sessionId: session.id });
        this.send(producer, { type: 'startSession', peerId: peer.id, sessionId: session.id, offer: m.offer ?? null });
        return;
      }
      case 'peer': {
        const s = this.sessions.get(m.sessionId);
        if (!s || (s.producer !== peer.id && s.consumer !== peer.id)) return this.error(peer, `Session with ID '${m.sessionId}' not found`);
        if (s.consumer === peer.id && m.sdp?.type === 'offer') return this.error(peer, 'a consumer cannot send an SDP offer; the producer offers');
        // Forwarded verbatim (extra keys such as sdpMid/usernameFragment included).
        const other = this.peers.get(s.producer === peer.id ? s.consumer : s.producer);
        if (other && other.ws.readyState === WebSocket.OPEN) other.ws.send(JSON.stringify(m));
        return;
      }
      case 'endSession': {
        const s = this.sessions.get(m.sessionId);
        if (!s || (s.producer !== peer.id && s.consumer !== peer.id)) return this.error(peer, `Session with ID '${m.sessionId}' not found`);
        this.sessions.delete(s.id);
        this.send(this.peers.get(s.producer === peer.id ? s.consumer : s.producer), { type: 'endSession', sessionId: s.id });
        return;
      }
    }
  }

  private announce(peer: Peer): void {
    const msg: OutgoingMessage = { type: 'peerStatusChanged', peerId: peer.id, roles: [...peer.roles], meta: peer.meta };
    for (const p of this.peers.values()) if (p.roles.has('listener')) this.send(p, msg);
  }

  private endSessionsOf(peerId: string, as: 'producer' | 'any'): void {
    for (const s of [...this.sessions.values()]) {
      const involved = as === 'producer' ? s.producer === peerId : s.producer === peerId || s.consumer === peerId;
      if (!involved) continue;
      this.sessions.delete(s.id);
      const other = s.producer === peerId ? s.consumer : s.producer;
      this.send(this.peers.get(other), { type: 'endSession', sessionId: s.id });
    }
  }

  private removePeer(peer: Peer): void {
    if (!this.peers.has(peer.id)) return;
    this.peers.delete(peer.id);
    this.endSessionsOf(peer.id, 'any');
    if (peer.roles.size > 0) {
      peer.roles = new Set();
      this.announce(peer);
    }
  }
}
