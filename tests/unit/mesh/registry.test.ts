/** The infra registry protocol: our test registry (tests/helpers) and our client's paging rules. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient, MeshError, type MeshConnection } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { startTestRegistry, type TestRegistry } from '../../helpers/test-registry';
import { createDemoDevice } from './demo-device';
import { REGISTER_REQUEST } from './golden-payloads';

setStderrLogging(false);
const dec = new TextDecoder();
type Json = Record<string, unknown>;

async function rpc(conn: MeshConnection, subject: string, method: string, params: unknown, timeoutMs = 1000): Promise<Json> {
  const data = await conn.request(subject, JSON.stringify({ jsonrpc: '2.0', id: 'r1', method, params }), timeoutMs);
  return JSON.parse(dec.decode(data)) as Json;
}

const stops: Array<() => unknown> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('test registry (reference registry protocol)', () => {
  it('validates registerDevice, pages listDevices, answers getDevice, ignores unknown discovery methods', async () => {
    const mesh = createLocalMesh();
    const registry: TestRegistry = startTestRegistry({ connection: mesh.connect() });
    stops.push(() => registry.stop());
    const c = mesh.connect();
    const REG = 'device-connect.default.registry';
    const DISC = 'device-connect.default.discovery';

    expect(await rpc(c, REG, 'registerDevice', { device_id: 'a', device_ttl: 15, capabilities: {}, identity: {}, status: {} })).toMatchObject({
      error: { code: -32602 },
    });
    expect(await rpc(c, REG, 'nope', {})).toMatchObject({ error: { code: -32601, message: 'method not found' } });
    const ok = await rpc(c, REG, 'registerDevice', { device_id: 'a', device_ttl: 15, capabilities: {}, identity: { device_type: 'lamp', description: 'dropped' }, status: { ts: 'x' } });
    expect(ok).toMatchObject({ result: { status: 'registered' } });
    expect(registry.devices()[0].identity).toEqual({
      arch: 'arm64', host_cpu: 'generic', dram_mb: 0, device_type: 'lamp', manufacturer: null, model: null, serial_number: null, firmware_version: null, capabilities: [],
    });

    expect(await rpc(c, DISC, 'discovery/listDevices', { offset: 0, limit: 0 })).toMatchObject({ error: { code: -32602 } });
    expect(await rpc(c, DISC, 'discovery/listDevices', { offset: -1, limit: 5 })).toMatchObject({ error: { code: -32602 } });
    expect(await rpc(c, DISC, 'discovery/listDevices', {})).toMatchObject({ result: { devices: [{ device_id: 'a' }] } });
    expect(await rpc(c, DISC, 'discovery/listDevices', { offset: 0, limit: 5 })).toMatchObject({
      result: { next_offset: null, total_matched: 1 },
    });
    expect(await rpc(c, DISC, 'discovery/getDevice', {})).toMatchObject({ error: { code: -32602 } });
    expect(await rpc(c, DISC, 'discovery/getDevice', { device_id: 'zz' })).toMatchObject({ result: { device: null } });
    const ignored = await rpc(c, DISC, 'discovery/other', {}, 100).catch((e: unknown) => e);
    expect((ignored as MeshError).code).toBe('timeout');
  });

  it('our device registers, and our client lists it through the registry', async () => {
    const mesh = createLocalMesh();
    const registry = startTestRegistry({ connection: mesh.connect() });
    stops.push(() => registry.stop());
    const rt = createDemoDevice(mesh.connect({ discoveryMode: 'infra' }));
    stops.push(() => rt.stop());
    await rt.start();
    expect(rt.registrationId).not.toBeNull();
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'infra' }) });
    stops.push(() => client.close());
    expect((await client.listDevices()).map((d) => d.device_id)).toEqual(['sensor-001']);
    expect((await client.getDevice('sensor-001'))?.functions.length).toBe(4);
  });

  it('the Python sensor-001 registration (verbatim) is listed by our client as a correct DeviceInfo', async () => {
    const mesh = createLocalMesh();
    const registry = startTestRegistry({ connection: mesh.connect() });
    stops.push(() => registry.stop());
    const py = mesh.connect();
    const reply = JSON.parse(dec.decode(await py.request('device-connect.default.registry', REGISTER_REQUEST, 1000))) as Json;
    expect(reply).toMatchObject({ id: 'sensor-001-1795310958132', result: { status: 'registered' } });
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'infra' }) });
    stops.push(() => client.close());
    const [d] = await client.listDevices({ deviceType: 'sens' });
    expect(d).toMatchObject({
      device_id: 'sensor-001',
      device_type: 'sensor',
      location: 'lab-1',
      description: 'Demo temperature sensor.',
      identity: { device_type: 'sensor', manufacturer: 'Acme', model: 'TH-100' },
      status: { availability: 'available', location: 'lab-1', online: true },
      labels: { category: 'sensor', location: 'lab-1', type: 'sensor' },
      source: 'infra',
    });
    expect(d.functions.map((f) => [f.name, f.parameters.required])).toEqual([
      ['get_reading', []],
      ['set_threshold', ['value']],
    ]);
    expect(d.events.map((e) => e.name)).toEqual(['alert']);
  });

  it('statusChanged pushes the new status to the registry (heartbeat extras)', async () => {
    const mesh = createLocalMesh();
    const registry = startTestRegistry({ connection: mesh.connect() });
    stops.push(() => registry.stop());
    let availability = 'available';
    const rt = createDemoDevice(mesh.connect({ discoveryMode: 'infra' }), { status: () => ({ location: 'lab-1', availability }) });
    stops.push(() => rt.stop());
    await rt.start();
    expect(registry.devices()[0].status.availability).toBe('available');
    availability = 'busy';
    rt.statusChanged();
    await expect.poll(() => registry.devices()[0].status.availability).toBe('busy');
    expect(() => createDemoDevice(mesh.connect(), { ttlS: 2.5 })).toThrow(/ttlS must be an integer/);
  });

  it('the client refuses a registry whose cursor does not advance, and surfaces registry errors', async () => {
    const mesh = createLocalMesh();
    const fake = mesh.connect();
    let mode: 'stuck' | 'error' = 'stuck';
    fake.subscribe('device-connect.default.discovery', (m) => {
      const req = JSON.parse(dec.decode(m.data)) as Json;
      const body = mode === 'stuck'
        ? { jsonrpc: '2.0', id: req.id, result: { devices: [], next_offset: 0, total_matched: 5 } }
        : { jsonrpc: '2.0', id: req.id, error: { code: -32602, message: 'limit must be a positive integer' } };
      fake.publish(m.reply!, JSON.stringify(body));
    });
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'infra' }) });
    stops.push(() => client.close());
    const stuck = (await client.listDevices().catch((e: unknown) => e)) as MeshError;
    expect(stuck).toMatchObject({ code: 'rpc_error' });
    expect(stuck.message).toMatch(/cursor did not advance/);
    mode = 'error';
    const err = (await client.listDevices().catch((e: unknown) => e)) as MeshError;
    expect(err).toMatchObject({ code: 'rpc_error', message: 'limit must be a positive integer' });
    expect(err.details.rpcCode).toBe(-32602);
  });
});
