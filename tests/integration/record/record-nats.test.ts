/**
 * `reachy-console record` as its own process on a NATS mesh: it sees calls between other processes on the wire
 * (request on `.cmd`, matched with its reply) with their caller and duration, and the device's events; Ctrl-C
 * writes a complete file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh, type MeshClient } from '../../../src/main/mesh';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { checkRecording } from '../../helpers/mcap-check';

const ROOT = new URL('../../../', import.meta.url).pathname;

describe('record on a NATS mesh', () => {
  let nats: NatsServerHandle;
  let rt: DeviceRuntime;
  let client: MeshClient;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rec-nats-'));
    nats = await startNatsServer();
    env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' };
    const cfg = meshConfigFromEnv(env);
    rt = new DeviceRuntime({
      connection: await openMesh(cfg),
      deviceId: 'rec-dev-1',
      deviceType: 'test',
      description: 'device for the recorder test',
      functions: [
        defineFunction({ name: 'get_status', description: 'status', params: z.object({}), handler: () => ({ ok: true }) }),
        defineFunction({
          name: 'fail',
          description: 'always refuses',
          params: z.object({ why: z.string() }),
          handler: ({ why }) => {
            throw new Error(`refused: ${why}`);
          },
        }),
      ],
    });
    await rt.start();
    client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await rt?.stop();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('records invokes seen on the wire with caller and duration, and events', async () => {
    const out = join(dir, 'wire.mcap');
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'record', '--device-id', 'rec-dev-1', '--video-fps', '0', '--out', out], { cwd: ROOT, env });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('recording to')) resolve();
      });
      void exited.then((code) => reject(new Error(`record exited ${code}: ${err.slice(-2000)}`)));
    });
    // The recorder's subscriptions reach the broker right after it says so; give them a moment.
    await new Promise((r) => setTimeout(r, 500));
    await client.invoke('rec-dev-1', 'get_status', {}, { sourceDevice: 'console-lab' });
    await expect(client.invoke('rec-dev-1', 'fail', { why: 'test' }, { sourceDevice: 'panorama' })).rejects.toThrow(/refused: test/);
    rt.emit('custom_event', { value: 42 });
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    const rec = await checkRecording(out);
    expect(rec.records.complete).toBe(true);
    expect(rec.problems).toEqual([]);
    const invokes = (rec.byTopic.get('/rec-dev-1/invokes') ?? []).map((m) => m.value);
    expect(invokes).toEqual([
      expect.objectContaining({ function: 'get_status', caller: 'console-lab', seen_at: 'wire', ok: true, result: { ok: true } }),
      expect.objectContaining({ function: 'fail', caller: 'panorama', seen_at: 'wire', ok: false, params: { why: 'test' } }),
    ]);
    expect(String(invokes[1].error)).toMatch(/refused: test/);
    for (const i of invokes) expect(i.duration_ms).toBeGreaterThanOrEqual(0);
    const ev = (rec.byTopic.get('/rec-dev-1/events/custom_event') ?? []).map((m) => m.value);
    expect(ev).toEqual([expect.objectContaining({ device_id: 'rec-dev-1', event_name: 'custom_event', params: expect.objectContaining({ value: 42 }) })]);
  }, 60_000);
});
