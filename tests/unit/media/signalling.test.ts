/**
 * Replays the reference consumer/producer message sequence (reachy-mini-daemon.md §5.3, §A.4) against the
 * simulator's signalling server with two plain WebSocket peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignallingServer } from '../../../src/main/sim/media/signalling-server';
import { probeSignalling } from '../../../src/main/media/signalling/probe';

type Msg = Record<string, unknown> & { type: string };

class Peer {
  readonly inbox: Msg[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.inbox.push(JSON.parse(String(raw)) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(url: string): Promise<Peer> {
    const ws = new WebSocket(url);
    const p = new Peer(ws);
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    return p;
  }
  send(m: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }
  /** Next message of `type` not yet taken. */
  async next(type: string, timeoutMs = 2000): Promise<Msg> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (Date.now() > end) throw new Error(`no ${type} message (got ${JSON.stringify(this.inbox)})`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  close(): void {
    this.ws.close();
  }
}

describe('webrtcsink signalling server', () => {
  const server = new SignallingServer();
  let url: string;
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(async () => server.close());

  it('replays the reference session: welcome, setPeerStatus, list, startSession, sessionStarted, sdp/ice both ways, endSession', async () => {
    const producer = await Peer.open(url);
    const producerId = (await producer.next('welcome')).peerId as string;
    producer.send({ type: 'setPeerStatus', roles: ['producer'], meta: { name: 'reachymini' } });

    const consumer = await Peer.open(url);
    const consumerId = (await consumer.next('welcome')).peerId as string;
    expect(consumerId).not.toBe(producerId);
    consumer.send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'ts-driver' } });
    // A listener hears its own status change (gstwebrtc-api waits for it).
    expect(await consumer.next('peerStatusChanged')).toMatchObject({ peerId: consumerId, roles: ['listener'] });
    consumer.send({ type: 'list' });
    expect(await consumer.next('list')).toEqual({ type: 'list', producers: [{ id: producerId, meta: { name: 'reachymini' } }] });

    consumer.send({ type: 'startSession', peerId: producerId });
    const started = await consumer.next('sessionStarted');
    expect(started.peerId).toBe(producerId);
    const sessionId = started.sessionId as string;
    expect(await producer.next('startSession')).toMatchObject({ peerId: consumerId, sessionId });

    const offer = { type: 'peer', sessionId, sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' } };
    producer.send(offer);
    expect(await consumer.next('peer')).toEqual(offer);
    const answer = { type: 'peer', sessionId, sdp: { type: 'answer', sdp: 'v=0\r\n' } };
    consumer.send(answer);
    expect(await producer.next('peer')).toEqual(answer);
    // ICE is forwarded verbatim, extra keys included.
    const ice = { type: 'peer', sessionId, ice: { candidate: 'candidate:1 1 UDP 2015363327 192.168.1.42 40000 typ host', sdpMLineIndex: 0, usernameFragment: 'abcd' } };
    consumer.send(ice);
    expect(await producer.next('peer')).toEqual(ice);
    const ice2 = { type: 'peer', sessionId, ice: { candidate: 'candidate:2 1 UDP 2015363327 10.0.0.2 40001 typ host', sdpMLineIndex: 0 } };
    producer.send(ice2);
    expect(await consumer.next('peer')).toEqual(ice2);

    consumer.send({ type: 'endSession', sessionId });
    expect(await producer.next('endSession')).toEqual({ type: 'endSession', sessionId });
    expect(server.sessionCount()).toBe(0);

    producer.close();
    // Removal is announced to listeners with empty roles.
    expect(await consumer.next('peerStatusChanged')).toMatchObject({ peerId: producerId, roles: [] });
    consumer.close();
  });

  it('refuses what the protocol forbids, with an error message', async () => {
    const producer = await Peer.open(url);
    const producerId = (await producer.next('welcome')).peerId as string;
    producer.send({ type: 'setPeerStatus', roles: ['producer'], meta: { name: 'reachymini' } });
    const consumer = await Peer.open(url);
    await consumer.next('welcome');

    consumer.send({ type: 'setPeerStatus', roles: ['producer', 'consumer'] });
    expect((await consumer.next('error')).details).toMatch(/producer and consumer/);
    consumer.send({ type: 'startSession', peerId: 'nope' });
    expect((await consumer.next('error')).details).toBe("Peer with ID 'nope' not found");
    consumer.send({ type: 'bogus' });
    expect((await consumer.next('error')).details).toMatch(/invalid message of type "bogus"/);
    consumer.ws.send('not json');
    expect((await consumer.next('error')).details).toMatch(/not valid JSON/);

    consumer.send({ type: 'startSession', peerId: producerId });
    const sessionId = (await consumer.next('sessionStarted')).sessionId as string;
    consumer.send({ type: 'peer', sessionId, sdp: { type: 'offer', sdp: 'v=0' } });
    expect((await consumer.next('error')).details).toMatch(/consumer cannot send an SDP offer/);

    // A consumer that disconnects ends its sessions on the producer side.
    await producer.next('startSession');
    consumer.close();
    expect(await producer.next('endSession')).toEqual({ type: 'endSession', sessionId });
    producer.close();
  });

  it('probe lists the producer (what get_media_stream_access(probe_signaling) reports)', async () => {
    const none = await probeSignalling(url, 'reachymini');
    expect(none).toMatchObject({ ok: true, producer_found: false });
    const producer = await Peer.open(url);
    await producer.next('welcome');
    producer.send({ type: 'setPeerStatus', roles: ['producer'], meta: { name: 'reachymini' } });
    await new Promise((r) => setTimeout(r, 50));
    const found = await probeSignalling(url, 'reachymini');
    expect(found).toMatchObject({ ok: true, producer_found: true });
    producer.close();
    const down = await probeSignalling('ws://127.0.0.1:1', 'reachymini', 1000);
    expect(down.ok).toBe(false);
    expect(down.error).toBeTruthy();
  });
});
