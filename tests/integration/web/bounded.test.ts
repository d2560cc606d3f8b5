/**
 * Browser mode stays bounded against one token holder: identical subscriptions are one subscription, distinct ones
 * are capped per connection with a clear error, a client that stops reading is held to a fixed amount of unsent
 * data (state pushes coalesced) and then disconnected, and closing a connection frees its subscriptions on the mesh.
 * Sizes are measured from the server's own counters (unsent bytes, held frames), never from timings.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { createLocalMesh, DeviceRuntime, defineFunction, type LocalMesh } from '../../../src/main/mesh';
import { subjects } from '../../../src/main/mesh/subjects';
import { ConsoleHost, MAX_SUBSCRIPTIONS_PER_SESSION } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import { startWebServer, type WebServer } from '../../../src/main/web/server';
import { setStderrLogging } from '../../../src/main/log';
import type { ReplyFrame } from '../../../src/shared/console-api';
import { openClient, type TestClient } from '../console/ws-client';

const HIGH_WATER = 64 * 1024;
const MAX_PENDING_FRAMES = 100;

let mesh: LocalMesh;
let host: ConsoleHost;
let server: WebServer;
let device: DeviceRuntime;

/** How many mesh subscriptions a console-side event on `deviceId` reaches (the bus's own count). */
const meshSubscribers = (deviceId: string, eventName: string): number =>
  mesh.bus.deliver(subjects.event('default', deviceId, eventName), new TextEncoder().encode('{"params":{}}'));

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(pred: () => boolean, what: string, limit = 400): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  setStderrLogging(false);
  mesh = createLocalMesh();
  device = new DeviceRuntime({
    connection: mesh.connect(),
    deviceId: 'reachy-test-1',
    deviceType: 'reachy_mini',
    description: 'test robot',
    functions: [defineFunction({ name: 'get_status', description: 'status', params: z.object({}), handler: () => ({ ok: 'yes' }) })],
    events: [
      { name: 'state_event', description: 'state' },
      { name: 'safety_event', description: 'safety' },
    ],
  });
  await device.start();
  const dir = mkdtempSync(join(tmpdir(), 'web-bounded-'));
  host = new ConsoleHost({ backends: realBackends({ localMesh: mesh }), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
  await host.init(false);
  await host.connectMesh({ kind: 'local' });
  server = await startWebServer({
    host,
    staticDir: join(dir, 'none'),
    backpressure: { highWaterBytes: HIGH_WATER, maxPendingFrames: MAX_PENDING_FRAMES, maxPendingBytes: 1024 * 1024, maxBehindMs: 400 },
  });
});

afterAll(async () => {
  await server?.close();
  await host?.close();
  await device?.stop();
});

describe('browser mode is bounded per connection', () => {
  it('deduplicates identical subscriptions, caps distinct ones with a clear error, and frees them on close', async () => {
    const client: TestClient = await openClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const ids = new Set<number>();
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => client.call('subscribe', { deviceId: '*', eventName: '*' })));
      for (const r of replies) {
        expect(r.ok).toBe(true);
        ids.add((r as { result: { subscriptionId: number } }).result.subscriptionId);
      }
    }
    // 1000 identical requests: one subscription, one mesh subscription, one push per event.
    expect(ids.size).toBe(1);
    expect(host.subscriptionStats()).toEqual({ sessions: 1, subscriptions: 1, attached: 1 });
    expect(meshSubscribers('reachy-test-1', 'safety_event')).toBe(1);
    client.pushes.length = 0;
    device.emit('safety_event', { reason: 'once' });
    await client.waitPush((p) => p.data.type === 'mesh_event' && p.data.event.params.reason === 'once');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.pushes.filter((p) => p.data.type === 'mesh_event' && p.data.event.params.reason === 'once')).toHaveLength(1);

    // Distinct subscriptions up to the cap, then a clear error that changes nothing.
    const distinct: ReplyFrame[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SESSION + 5; i++) distinct.push(await client.call('subscribe', { deviceId: `dev-${i}`, eventName: 'state_event' }));
    expect(distinct.filter((r) => r.ok)).toHaveLength(MAX_SUBSCRIPTIONS_PER_SESSION - 1);
    const refused = distinct.filter((r): r is Extract<ReplyFrame, { ok: false }> => !r.ok);
    expect(refused).toHaveLength(6);
    expect(refused[0].error.message).toMatch(new RegExp(`too many subscriptions on this connection \\(max ${MAX_SUBSCRIPTIONS_PER_SESSION}\\)`));
    expect(host.subscriptionStats().subscriptions).toBe(MAX_SUBSCRIPTIONS_PER_SESSION);
    expect(meshSubscribers('dev-3', 'state_event')).toBe(2); // dev-3's own + '*'
    expect(meshSubscribers(`dev-${MAX_SUBSCRIPTIONS_PER_SESSION + 2}`, 'state_event')).toBe(1); // only '*'

    // Unsubscribing frees a slot.
    const first = (distinct[0] as { result: { subscriptionId: number } }).result.subscriptionId;
    expect(await client.call('unsubscribe', { subscriptionId: first })).toMatchObject({ ok: true });
    expect(await client.call('subscribe', { deviceId: 'dev-late', eventName: 'state_event' })).toMatchObject({ ok: true });

    client.close();
    await until(() => host.subscriptionStats().sessions === 0, 'the session to close');
    expect(host.subscriptionStats()).toEqual({ sessions: 0, subscriptions: 0, attached: 0 });
    expect(meshSubscribers('reachy-test-1', 'safety_event')).toBe(0);
    expect(meshSubscribers('dev-3', 'state_event')).toBe(0);
    expect(server.connections()).toEqual([]);
  });

  /** A raw client that subscribes to everything and then stops reading its socket. */
  async function nonReadingClient(): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const reply = await new Promise<ReplyFrame>((res) => {
      ws.once('message', (d) => res(JSON.parse(String(d)) as ReplyFrame));
      ws.send(JSON.stringify({ id: 1, method: 'subscribe', params: { deviceId: '*', eventName: '*' } }));
    });
    expect(reply.ok).toBe(true);
    (ws as unknown as { _socket: Socket })._socket.pause();
    return ws;
  }

  it('holds a non-reading client to a fixed amount of unsent data, coalesces its state pushes, then disconnects it', async () => {
    const ws = await nonReadingClient();
    const big = 'x'.repeat(16 * 1024);
    let maxBuffered = 0;
    let maxPending = 0;
    let coalesced = 0;
    // 24 MB of robot state: far more than the loopback socket buffers absorb.
    for (let i = 0; i < 1500 && server.connections().length > 0; i++) {
      device.emit('state_event', { seq: i, pad: big });
      if (i % 10 === 9) await tick();
      const c = server.connections()[0];
      if (c) {
        maxBuffered = Math.max(maxBuffered, c.bufferedAmount, c.maxBufferedAmount);
        maxPending = Math.max(maxPending, c.pendingBytes);
        coalesced = Math.max(coalesced, c.coalesced);
      }
    }
    // Unsent bytes never pass the high-water mark by more than one frame; held state is one frame, replaced.
    expect(maxBuffered).toBeLessThan(HIGH_WATER + 20 * 1024);
    expect(maxPending).toBeLessThan(20 * 1024);
    expect(coalesced).toBeGreaterThan(100);
    // It stayed behind: disconnected, and its subscription is gone from the mesh.
    await until(() => server.connections().length === 0, 'the slow reader to be disconnected');
    expect(host.subscriptionStats()).toEqual({ sessions: 0, subscriptions: 0, attached: 0 });
    expect(meshSubscribers('reachy-test-1', 'state_event')).toBe(0);
    ws.terminate();
  });

  it('disconnects a non-reading client whose ordered frames (never coalesced) pile up, holding at most the cap', async () => {
    const ws = await nonReadingClient();
    const big = 'y'.repeat(16 * 1024);
    let maxHeld = 0;
    let i = 0;
    for (; i < 1500 && server.connections().length > 0; i++) {
      device.emit('safety_event', { seq: i, pad: big }); // every safety event must arrive: never coalesced
      if (i % 10 === 9) await tick();
      const c = server.connections()[0];
      if (c) maxHeld = Math.max(maxHeld, c.pendingFrames);
    }
    await until(() => server.connections().length === 0, 'the slow reader to be disconnected');
    expect(maxHeld).toBeLessThanOrEqual(MAX_PENDING_FRAMES);
    expect(i).toBeLessThan(1500);
    expect(meshSubscribers('reachy-test-1', 'safety_event')).toBe(0);
    ws.terminate();
  });
});
