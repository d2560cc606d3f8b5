/**
 * The mesh end to end on a real nats-server (and the same invoke/event/discovery tests on the local backend):
 * D2D and infra discovery, events, departure/offline, broker restart, missing devices, bad input.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalMesh,
  createMeshClient,
  DeviceRuntime,
  meshConfigFromEnv,
  MeshError,
  openMesh,
  type DiscoveryMode,
  type MeshClient,
  type MeshConnection,
} from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import type { MeshEvent } from '../../../src/shared/wire';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { startTestRegistry, type TestRegistry } from '../../helpers/test-registry';
import { createDemoDevice } from '../../unit/mesh/demo-device';

setStderrLogging(false);
const dec = new TextDecoder();

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

/** Everything a test opened, closed in afterEach even when the test fails. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Backend = 'local' | 'nats';

async function connect(backend: Backend, discoveryMode: DiscoveryMode, local = createLocalMesh()): Promise<MeshConnection> {
  const conn =
    backend === 'local'
      ? local.connect({ discoveryMode })
      : await openMesh(
          meshConfigFromEnv({ NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true' }, { discoveryMode }),
        );
  cleanups.push(() => conn.close());
  return conn;
}

async function startDevice(conn: MeshConnection, overrides: Parameters<typeof createDemoDevice>[1] = {}): Promise<DeviceRuntime> {
  const rt = createDemoDevice(conn, { registerTimeoutMs: 2_000, registerBackoffMs: { min: 100, max: 500 }, ...overrides });
  cleanups.push(() => rt.stop());
  await rt.start();
  return rt;
}

function client(conn: MeshConnection, extra: Partial<Parameters<typeof createMeshClient>[0]> = {}): MeshClient {
  const c = createMeshClient({ connection: conn, requestTimeoutMs: 2_000, ...extra });
  cleanups.push(() => c.close());
  return c;
}

async function errorOf(p: Promise<unknown>): Promise<MeshError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MeshError);
  return e as MeshError;
}

describe.each<Backend>(['local', 'nats'])('invoke, events and D2D discovery on the %s backend', (backend) => {
  it('discovers the demo device, invokes it, and receives its events', async () => {
    const local = createLocalMesh();
    await startDevice(await connect(backend, 'd2d', local));
    const c = client(await connect(backend, 'd2d', local));

    const devices = await c.listDevices({ deviceType: 'SENS' });
    expect(devices.map((d) => d.device_id)).toEqual(['sensor-001']);
    expect(await c.listDevices({ location: 'kitchen' })).toEqual([]);
    expect((await c.getDevice('sensor-001'))?.functions.map((f) => f.name)).toContain('set_threshold');
    expect((await c.describeFleet()).by_type).toEqual({ sensor: { count: 1, locations: ['lab-1'] } });

    expect(await c.invoke('sensor-001', 'get_reading', { unit: 'F' })).toEqual({ temperature: 72.5, unit: 'F', humidity: 45 });
    const events: MeshEvent[] = [];
    const all: MeshEvent[] = [];
    c.subscribe('sensor-001', 'alert', (e) => events.push(e));
    c.subscribe('*', '*', (e) => all.push(e));
    await c.invoke('sensor-001', 'set_threshold', { value: 3.5 });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({ device_id: 'sensor-001', event_name: 'alert', params: { level: 'info', message: 'threshold set to 3.5' } });
    await expect.poll(() => all.length).toBe(1);

    expect(await errorOf(c.invoke('sensor-001', 'set_threshold', { value: -1 }))).toMatchObject({
      code: 'device_error',
      message: 'Error invoking set_threshold: threshold must be >= 0',
    });
  });

  it('a stopped device departs and an invoke to a missing device fails fast with no_responders', async () => {
    const local = createLocalMesh();
    const rt = await startDevice(await connect(backend, 'd2d', local));
    const c = client(await connect(backend, 'd2d', local));
    expect((await c.listDevices()).length).toBe(1);
    let changes = 0;
    c.onDevicesChanged(() => changes++);
    await rt.stop();
    await expect.poll(async () => (await c.listDevices()).length).toBe(0);
    expect(changes).toBeGreaterThan(0);
    const err = await errorOf(c.invoke('sensor-001', 'get_reading'));
    expect(err).toMatchObject({ code: 'no_responders', message: 'nats: no responders available for request' });
  });

  it('bad input gets clear errors and the runtime keeps serving', async () => {
    const local = createLocalMesh();
    await startDevice(await connect(backend, 'd2d', local));
    const raw = await connect(backend, 'd2d', local);
    const c = client(await connect(backend, 'd2d', local));
    const cmd = 'device-connect.default.sensor-001.cmd';
    const ask = async (body: string) => JSON.parse(dec.decode(await raw.request(cmd, body, 2_000))) as Record<string, unknown>;

    expect(await ask('{"jsonrpc":"2.0","id":1,"method":')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await ask('{"jsonrpc":"2.0","id":"a","method":"get_reading","params":[1,2]}')).toEqual({
      jsonrpc: '2.0',
      id: 'a',
      error: { code: -32602, message: 'Invalid params: params must be a JSON object, got array' },
    });
    expect(await ask('{"jsonrpc":"2.0","id":"b","method":"blink","params":{}}')).toEqual({
      jsonrpc: '2.0',
      id: 'b',
      error: { code: -32601, message: 'Unknown method: blink' },
    });
    expect(await ask('{"jsonrpc":"2.0","id":"c","method":"get_reading","params":{"unit":5}}')).toMatchObject({
      error: { code: -32000, message: 'Error invoking get_reading: invalid params: unit must be of type string, got 5' },
    });
    expect(await ask('{"jsonrpc":"2.0","id":"d","method":"set_threshold","params":{}}')).toMatchObject({
      error: { message: "Error invoking set_threshold: invalid params: missing required argument 'value'" },
    });
    expect(await ask('{"jsonrpc":"2.0","id":"e","method":"echo_blob","params":{"bytes":5000000}}')).toMatchObject({
      error: { code: -32000, message: 'Error invoking echo_blob: invalid params: bytes=5000000 outside allowed range [0, 4000000]' },
    });

    // Oversized: a request the server would refuse is refused locally; a reply over the cap becomes -32000.
    const big = await errorOf(c.invoke('sensor-001', 'get_reading', { unit: 'x'.repeat(1_100_000) }));
    expect(big.code).toBe('invalid_request');
    expect(big.message).toMatch(/exceeds the server's max_payload of 1048576 bytes/);
    const bigReply = await errorOf(c.invoke('sensor-001', 'echo_blob', { bytes: 1_100_000 }));
    expect(bigReply).toMatchObject({ code: 'device_error' });
    expect(bigReply.message).toMatch(/^Error invoking echo_blob: result of \d+ bytes exceeds the reply cap of 900000 bytes$/);

    // Bad device ids never reach the wire.
    for (const id of ['', '-lead', 'a b', 'a.*', 'x'.repeat(256), 'dev>']) {
      expect(await errorOf(c.invoke(id, 'get_reading'))).toMatchObject({ code: 'invalid_request' });
    }
    expect(() => createDemoDevice(raw, { deviceId: 'bad id' })).toThrow(/invalid device id 'bad id'/);
    expect(await errorOf(c.invoke('sensor-001', 'get_reading', [] as unknown as Record<string, unknown>))).toMatchObject({
      code: 'invalid_request',
    });

    // Still serving.
    expect(await c.invoke('sensor-001', 'get_reading')).toEqual({ temperature: 22.5, unit: 'C', humidity: 45 });
  });
});

describe('NATS only', () => {
  it('D2D: the broker is killed and restarted; the device re-announces and serves again without a restart', async () => {
    const srv = await startNatsServer();
    cleanups.push(() => srv.stop());
    const cfg = meshConfigFromEnv({ NATS_URL: srv.url, DEVICE_CONNECT_ALLOW_INSECURE: '1', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
    const devConn = await openMesh(cfg);
    cleanups.push(() => devConn.close());
    // Slow periodic presence: a re-announce seen after the restart comes from the reconnect, not the timer.
    await startDevice(devConn, { presenceTiming: { burstDurationMs: 0, intervalMs: 60_000 } });
    const cliConn = await openMesh(cfg);
    const c = client(cliConn, { ownsConnection: true });
    expect(await c.invoke('sensor-001', 'get_reading')).toMatchObject({ unit: 'C' });
    const statuses: string[] = [];
    c.onConnectionStatus((s) => statuses.push(s));

    await srv.kill();
    await expect.poll(() => c.connectionStatus(), { timeout: 10_000 }).toBe('reconnecting');
    await srv.start();
    await expect.poll(() => c.connectionStatus(), { timeout: 15_000 }).toBe('connected');
    expect(statuses).toContain('reconnecting');

    await expect
      .poll(async () => c.invoke('sensor-001', 'get_reading', {}, { timeoutMs: 500 }).catch((e: MeshError) => e.code), {
        timeout: 15_000,
        interval: 200,
      })
      .toMatchObject({ unit: 'C' });
    // A client that joins after the restart discovers the device: its presence/probe subscriptions came back.
    const late = client(await openMesh(cfg), { ownsConnection: true });
    expect((await late.listDevices()).map((d) => d.device_id)).toEqual(['sensor-001']);
  }, 60_000);

  it('infra: registers with the registry, is listed/paged/invoked, goes offline after its ttl, and is pulled back after a registry loss', async () => {
    const regConn = await connect('nats', 'infra');
    const registry: TestRegistry = startTestRegistry({ connection: regConn, checkMs: 100 });
    cleanups.push(() => registry.stop());
    const devConn = await connect('nats', 'infra');
    const rt = await startDevice(devConn, { ttlS: 2 });
    expect(rt.registrationId).toMatch(/^[0-9a-f-]{36}$/);
    // A second device so paging has something to page.
    const rt2 = await startDevice(devConn, { deviceId: 'sensor-002', ttlS: 6 });
    expect(rt2.registrationId).not.toBeNull();

    const c = client(await connect('nats', 'infra'), { registry: { pageSize: 1 } });
    const online: string[] = [];
    c.onDevicesChanged(() => online.push('changed'));
    const listed = await c.listDevices();
    expect(listed.map((d) => d.device_id).sort()).toEqual(['sensor-001', 'sensor-002']);
    const pages = registry.log.filter((r) => r.method === 'discovery/listDevices').map((r) => r.params);
    expect(pages).toEqual([
      { offset: 0, limit: 1 },
      { offset: 1, limit: 1 },
    ]);
    expect(await c.listDevices({ deviceType: 'sensor', location: 'LAB' })).toHaveLength(2);
    expect((await c.getDevice('sensor-001'))?.status.availability).toBe('available');
    expect(await c.getDevice('nope')).toBeNull();
    expect(await c.invoke('sensor-001', 'get_reading', { unit: 'F' })).toMatchObject({ temperature: 72.5 });

    // The registry forgets everything (restart): the heartbeat makes it pull the registration back.
    registry.forgetAll();
    await expect.poll(() => registry.devices().length, { timeout: 5_000 }).toBe(2);

    await rt.stop();
    await expect.poll(async () => (await c.listDevices()).map((d) => d.device_id), { timeout: 8_000 }).toEqual(['sensor-002']);
    expect(online.length).toBeGreaterThan(0);
  }, 30_000);

  it('infra: after a broker restart the device registers again on its own', async () => {
    const srv = await startNatsServer();
    cleanups.push(() => srv.stop());
    const cfg = meshConfigFromEnv({ NATS_URL: srv.url, DEVICE_CONNECT_ALLOW_INSECURE: 'yes' });
    expect(cfg.discoveryMode).toBe('infra');
    const regConn = await openMesh(cfg);
    cleanups.push(() => regConn.close());
    const registry = startTestRegistry({ connection: regConn });
    cleanups.push(() => registry.stop());
    const devConn = await openMesh(cfg);
    cleanups.push(() => devConn.close());
    await startDevice(devConn, { ttlS: 30 });
    const registrations = () => registry.log.filter((r) => r.method === 'registerDevice').length;
    expect(registrations()).toBe(1);

    await srv.kill();
    registry.forgetAll();
    await srv.start();
    await expect.poll(registrations, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(registry.devices().map((d) => d.device_id)).toEqual(['sensor-001']);
    const c = client(await openMesh(cfg), { ownsConnection: true });
    expect(await c.invoke('sensor-001', 'get_reading')).toMatchObject({ unit: 'C' });
  }, 60_000);

  it('with the broker gone: invoke times out with the reference message, and stop/close still finish', async () => {
    const srv = await startNatsServer();
    cleanups.push(() => srv.stop());
    const cfg = meshConfigFromEnv({ NATS_URL: srv.url, DEVICE_CONNECT_ALLOW_INSECURE: '1', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
    const devConn = await openMesh(cfg);
    const rt = createDemoDevice(devConn);
    await rt.start();
    const cliConn = await openMesh(cfg);
    const c = createMeshClient({ connection: cliConn, ownsConnection: true });
    await srv.kill();
    await expect.poll(() => cliConn.status(), { timeout: 10_000 }).toBe('reconnecting');
    const err = await errorOf(c.invoke('sensor-001', 'get_reading', {}, { timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'timeout', message: 'Request to device-connect.default.sensor-001.cmd timed out after 0.3s' });
    await rt.stop();
    await devConn.close();
    await c.close();
    expect(devConn.status()).toBe('disconnected');
  });

  it('reads the payload cap from the server', async () => {
    const small = await startNatsServer({ maxPayload: 65_536 });
    cleanups.push(() => small.stop());
    const conn = await openMesh(meshConfigFromEnv({ NATS_URL: small.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' }));
    cleanups.push(() => conn.close());
    await startDevice(conn);
    const c = client(conn);
    expect(conn.maxPayload()).toBe(65_536);
    const err = await errorOf(c.invoke('sensor-001', 'get_reading', { unit: 'x'.repeat(70_000) }));
    expect(err.message).toMatch(/exceeds the server's max_payload of 65536 bytes/);
    expect((await errorOf(c.invoke('sensor-001', 'echo_blob', { bytes: 70_000 }))).message).toMatch(/exceeds the reply cap of 65536 bytes \(the broker's max_payload\)/);
    expect(await c.invoke('sensor-001', 'echo_blob', { bytes: 1000 })).toEqual({ blob: 'x'.repeat(1000) });
  });

  it('refuses to connect without credentials unless insecure mode is allowed', async () => {
    const err = await errorOf(openMesh(meshConfigFromEnv({ NATS_URL: nats.url })));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^No authentication credentials configured/);
    expect(err.message).toMatch(/DEVICE_CONNECT_ALLOW_INSECURE/);
  });
});
