/**
 * The live Foxglove bridge seen by @foxglove/ws-protocol's own client: the advertised channels, subscribing,
 * messages at the expected rates (state at the driver's 20 Hz, camera at the chosen fps, only while subscribed),
 * unsubscribing, and that a web page from another origin cannot connect.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import sharp from 'sharp';
import { FoxgloveClient, type Channel, type MessageData } from '@foxglove/ws-protocol';
import { startSimStack, type SimStack } from '../../../src/main/app/sim-stack';
import { startFoxgloveBridge, type FoxgloveBridge } from '../../../src/main/record/foxglove';
import type { FoxgloveStatus } from '../../../src/shared/console-api/record';

const ID = 'reachy-mini-1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('foxglove bridge', () => {
  let stack: SimStack;
  let bridge: FoxgloveBridge;
  beforeAll(async () => {
    stack = await startSimStack({ deviceId: ID });
    bridge = await startFoxgloveBridge({ mesh: stack.mesh, devices: [ID], videoFps: 5, port: 0, logs: false });
  }, 30_000);
  afterAll(async () => {
    await bridge?.close();
    await stack?.close();
  });

  async function connect(origin?: string): Promise<{ client: FoxgloveClient; channels: Map<string, Channel>; messages: MessageData[]; ws: WebSocket }> {
    const ws = new WebSocket(bridge.url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL], origin ? { origin } : {});
    const client = new FoxgloveClient({ ws: ws as unknown as ConstructorParameters<typeof FoxgloveClient>[0]['ws'] });
    const channels = new Map<string, Channel>();
    const messages: MessageData[] = [];
    client.on('advertise', (list) => list.forEach((c) => channels.set(c.topic, c)));
    client.on('message', (m) => messages.push(m));
    await new Promise<void>((resolve, reject) => {
      client.on('open', () => resolve());
      client.on('error', reject);
    });
    return { client, channels, messages, ws };
  }

  it('advertises the robot channels with JSON schemas, streams at the expected rates, and stops on unsubscribe', async () => {
    const { client, channels, messages } = await connect();
    await sleep(200);
    expect([...channels.keys()].sort()).toEqual(expect.arrayContaining([`/${ID}/state`, `/${ID}/camera`, `/${ID}/invokes`, '/tf', '/log']));
    const cam = channels.get(`/${ID}/camera`)!;
    expect(cam).toMatchObject({ encoding: 'json', schemaName: 'foxglove.CompressedImage', schemaEncoding: 'jsonschema' });
    expect(channels.get('/tf')!.schemaName).toBe('foxglove.FrameTransforms');
    expect(messages).toHaveLength(0); // nothing until subscribed

    const stateSub = client.subscribe(channels.get(`/${ID}/state`)!.id);
    const camSub = client.subscribe(cam.id);
    const tfSub = client.subscribe(channels.get('/tf')!.id);
    const invSub = client.subscribe(channels.get(`/${ID}/invokes`)!.id);
    await sleep(2000);
    const of = (sub: number): MessageData[] => messages.filter((m) => m.subscriptionId === sub);
    const decode = (m: MessageData): Record<string, unknown> =>
      JSON.parse(new TextDecoder().decode(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength))) as Record<string, unknown>;
    // 20 Hz state for 2 s and 5 fps video: generous bounds, the point is "streams at about that rate".
    expect(of(stateSub).length).toBeGreaterThanOrEqual(20);
    expect(of(stateSub).length).toBeLessThanOrEqual(60);
    expect(of(tfSub).length).toBe(of(stateSub).length);
    expect(of(camSub).length).toBeGreaterThanOrEqual(3);
    expect(of(camSub).length).toBeLessThanOrEqual(15);
    expect(decode(of(stateSub)[0])).toMatchObject({ device_id: ID, imu: expect.any(Object) });
    const frame = decode(of(camSub)[0]);
    expect(frame.format).toBe('jpeg');
    expect((await sharp(Buffer.from(String(frame.data), 'base64')).metadata()).format).toBe('jpeg');

    // An invoke made while connected shows up on the invokes channel, with its caller.
    expect(of(invSub)).toHaveLength(0); // the bridge's own frame grabs are not invokes
    await stack.mesh.invoke(ID, 'get_joints', {}, { sourceDevice: 'console-fox' });
    for (let i = 0; i < 40 && of(invSub).length === 0; i++) await sleep(50);
    expect(of(invSub).map(decode)).toEqual([expect.objectContaining({ function: 'get_joints', caller: 'console-fox', ok: true })]);

    client.unsubscribe(stateSub);
    client.unsubscribe(camSub);
    await sleep(300); // anything already in flight arrives
    const before = of(stateSub).length + of(camSub).length;
    await sleep(700);
    expect(of(stateSub).length + of(camSub).length).toBe(before);
    expect(of(tfSub).length).toBeGreaterThan(of(stateSub).length); // still subscribed: still flowing
    client.close();
  }, 20_000);

  it('refuses a browser page from another origin', async () => {
    const ws = new WebSocket(bridge.url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL], { origin: 'https://evil.example' });
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
      ws.on('error', (e) => resolve(`error ${e.message}`));
    });
    expect(outcome).not.toBe('open');
    ws.terminate();
  });

  it('accepts Foxglove Studio web origin', async () => {
    const { client } = await connect('https://app.foxglove.dev');
    client.close();
  });
});

describe('reachy-console foxglove', () => {
  it('serves a simulated robot to a Foxglove client from the command line and exits cleanly on Ctrl-C', async () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'foxglove', '--sim', '--port', '0'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /foxglove bridge at (ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
        void exited.then((code) => reject(new Error(`exited ${code}: ${err.slice(-2000)}`)));
      });
      const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
      const client = new FoxgloveClient({ ws: ws as unknown as ConstructorParameters<typeof FoxgloveClient>[0]['ws'] });
      const topics = await new Promise<string[]>((resolve) => client.on('advertise', (list) => resolve(list.map((c) => c.topic))));
      expect(topics).toEqual(expect.arrayContaining([`/${ID}/state`, `/${ID}/camera`, '/tf']));
      client.close();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the console Foxglove toggle (record service)', () => {
  it('starts a loopback bridge Foxglove clients can use, reports its URL and clients, and stops it', async () => {
    const { createRecordService } = await import('../../../src/main/record');
    const { createLogger } = await import('../../../src/main/log');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stack = await startSimStack({ deviceId: ID });
    const svc = createRecordService({ mesh: () => stack.mesh, push: () => undefined, logger: createLogger('test-record'), dataDir: mkdtempSync(join(tmpdir(), 'fox-')) });
    try {
      expect(await svc.handlers.foxgloveStatus({})).toEqual({ running: false, clients: 0 });
      const on = (await svc.handlers.foxgloveStart({ port: 0 })) as FoxgloveStatus;
      expect(on.running).toBe(true);
      expect(on.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+/);
      const ws = new WebSocket(on.url!, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
      const client = new FoxgloveClient({ ws: ws as unknown as ConstructorParameters<typeof FoxgloveClient>[0]['ws'] });
      const topics = new Set<string>();
      client.on('advertise', (list) => list.forEach((c) => topics.add(c.topic)));
      await new Promise<void>((resolve, reject) => {
        client.on('open', () => resolve());
        client.on('error', reject);
      });
      const deadline = Date.now() + 5000;
      while (!topics.has(`/${ID}/state`) && Date.now() < deadline) await sleep(50);
      expect(topics.has(`/${ID}/state`)).toBe(true);
      expect(((await svc.handlers.foxgloveStatus({})) as FoxgloveStatus).clients).toBe(1);
      // A second start does not open a second server.
      expect(((await svc.handlers.foxgloveStart({ port: 0 })) as FoxgloveStatus).url).toBe(on.url);
      client.close();
      const off = await svc.handlers.foxgloveStop({});
      expect(off).toEqual({ running: false, clients: 0 });
      await expect(new Promise((resolve, reject) => {
        const again = new WebSocket(on.url!, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
        again.on('open', () => resolve('open'));
        again.on('error', reject);
      })).rejects.toThrow();
    } finally {
      await svc.close();
      await stack.close();
    }
  }, 30_000);
});
