/**
 * Browser mode end to end without a browser: the real web server, ConsoleHost and the local mesh, with a small
 * reachy_mini-typed device on the mesh standing in for the driver.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLocalMesh, createMeshClient, DeviceRuntime, defineFunction, type LocalMesh } from '../../../src/main/mesh';
import { ConsoleHost } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import { startWebServer, type WebServer } from '../../../src/main/web/server';
import { setStderrLogging } from '../../../src/main/log';
import type { MeshEvent } from '../../../src/shared/wire';
import { openClient, type TestClient } from './ws-client';

let mesh: LocalMesh;
let host: ConsoleHost;
let server: WebServer;
let device: DeviceRuntime;
const stops: string[] = [];
let client: TestClient;

beforeAll(async () => {
  setStderrLogging(false);
  mesh = createLocalMesh();
  device = new DeviceRuntime({
    connection: mesh.connect(),
    deviceId: 'reachy-test-1',
    deviceType: 'reachy_mini',
    description: 'test robot',
    functions: [
      defineFunction({ name: 'get_status', description: 'status', params: z.object({}), handler: () => ({ ok: 'yes' }) }),
      defineFunction({ name: 'stop_motion', description: 'stop', params: z.object({ owner: z.string().optional() }), handler: (p) => (stops.push(p.owner ?? ''), { status: 'accepted' }) }),
      defineFunction({ name: 'acquire_lease', description: 'lease', params: z.object({ owner: z.string(), ttl_s: z.number() }), handler: (p) => ({ status: 'accepted', owner: p.owner, ttl_s: p.ttl_s }) }),
    ],
    events: [{ name: 'safety_event', description: 'safety' }],
  });
  await device.start();
  const dir = mkdtempSync(join(tmpdir(), 'console-web-'));
  host = new ConsoleHost({ backends: realBackends({ localMesh: mesh }), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
  await host.init(false);
  server = await startWebServer({ host, staticDir: join(dir, 'none') });
  client = await openClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await host?.close();
  await device?.stop();
});

describe('browser-mode WebSocket', () => {
  it('refuses to serve without the access token, or with a wrong one, or from a foreign origin', async () => {
    await expect(openClient(`ws://127.0.0.1:${server.port}/api`)).rejects.toThrow(/401/);
    await expect(openClient(`ws://127.0.0.1:${server.port}/api?token=${server.token.slice(1)}x`)).rejects.toThrow(/401/);
    await expect(openClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
    expect(server.url).toContain(`token=${server.token}`);
    expect(server.url.startsWith('http://127.0.0.1:')).toBe(true);
  });

  it('answers malformed messages with an error and changes nothing', async () => {
    const before = (await client.call('getSnapshot')) as { result: unknown };
    expect(await client.sendRaw('not json')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await client.sendRaw(JSON.stringify({ method: 'estop' }))).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const bad = await client.call('connectMesh', { kind: 'nats', urls: ['http://not-nats'] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request', field: 'urls.0' } });
    expect(await client.call('startDriver', { target: 'bad target!' })).toMatchObject({ ok: false, error: { field: 'target' } });
    expect(await client.call('noSuchMethod', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(((await client.call('getSnapshot')) as { result: unknown }).result).toEqual(before.result);
    expect(stops).toEqual([]);
  });

  it('connects the mesh, lists and invokes devices, streams events, and E-STOPs every robot', async () => {
    const snap = await client.call('connectMesh', { kind: 'local' });
    expect(snap).toMatchObject({ ok: true, result: { mesh: { kind: 'local', status: 'connected' } } });
    const list = await client.call('listDevices', {});
    expect(list.ok && (list.result as Array<{ device_id: string }>).map((d) => d.device_id)).toContain('reachy-test-1');

    const r = await client.call('invoke', { deviceId: 'reachy-test-1', fn: 'get_status' });
    expect(r).toMatchObject({ ok: true, result: { result: { ok: 'yes' } } });
    // One error convention: a device's refusal is an error reply like any other failed method, with how long it took.
    const unknown = await client.call('invoke', { deviceId: 'reachy-test-1', fn: 'fly' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'device_error', message: expect.stringMatching(/fly/) } });
    expect(!unknown.ok && unknown.error.elapsedMs).toBeGreaterThanOrEqual(0);
    const lease = await client.call('takeLease', { deviceId: 'reachy-test-1', ttlS: 12 });
    expect(lease).toMatchObject({ ok: true, result: { result: { owner: 'operator', ttl_s: 12 } } });

    const sub = await client.call('subscribe', { deviceId: '*', eventName: '*' });
    expect(sub.ok).toBe(true);
    device.emit('safety_event', { reason: 'test trip' });
    const pushed = await client.waitPush((p) => p.data.type === 'mesh_event' && p.data.event.event_name === 'safety_event');
    expect(pushed.data).toMatchObject({ event: { device_id: 'reachy-test-1', params: { reason: 'test trip' } } });

    // An independent agent on the same mesh sees the console's emergency_stop event.
    const agent = createMeshClient({ connection: mesh.connect() });
    const seen: MeshEvent[] = [];
    const off = agent.subscribe('*', 'emergency_stop', (e) => seen.push(e));
    const estop = await client.call('estop', { reason: 'test' });
    expect(estop).toMatchObject({ ok: true, result: { stopped: ['reachy-test-1'], event: true } });
    expect(stops).toEqual(['operator']);
    await new Promise((res) => setTimeout(res, 50));
    expect(seen[0]).toMatchObject({ device_id: host.consoleDeviceId, params: { reason: 'test', source: 'operator' } });
    off();
    await agent.close();
  });

  it('reports a missing simulator in words', async () => {
    const r = await client.call('startDriver', { target: 'sim' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((r as { error: { message: string } }).error.message).toMatch(/simulator is not running/);
  });
});
