/**
 * Golden wire tests: what our runtime and client put on the wire has the same keys and shapes as the reference
 * captures, and what the reference puts on the wire is accepted by our side (docs/PROTOCOL.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalMesh,
  createMeshClient,
  DeviceRuntime,
  MeshError,
  type LocalMesh,
  type MeshClient,
  type FunctionContext,
  type MeshConnection,
} from '../../../src/main/mesh';
import type { JsonObject } from '../../../src/shared/wire';
import { createDemoDevice } from './demo-device';
import * as G from './golden-payloads';

const dec = new TextDecoder();
type Json = Record<string, unknown>;

/** Keys and value types, recursively (arrays by their first element): "same keys and shapes". */
function shape(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as Json).sort().map((k) => [k, shape((v as Json)[k])]));
  }
  return typeof v;
}

function withoutTs<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, val: unknown) => (k === 'ts' ? '<ts>' : val))) as T;
}

function capture(conn: MeshConnection, subject: string): Json[] {
  const got: Json[] = [];
  conn.subscribe(subject, (m) => got.push(JSON.parse(dec.decode(m.data)) as Json));
  return got;
}

async function rawRequest(conn: MeshConnection, subject: string, body: string, timeoutMs = 1000): Promise<Json> {
  return JSON.parse(dec.decode(await conn.request(subject, body, timeoutMs))) as Json;
}

const CMD = 'device-connect.default.sensor-001.cmd';

describe('golden payloads: our device side', () => {
  let mesh: LocalMesh;
  let rt: DeviceRuntime | undefined;
  afterEach(async () => {
    await rt?.stop();
    rt = undefined;
  });

  it('registration params equal the reference capture (functions, schemas, events, identity, status)', async () => {
    mesh = createLocalMesh();
    const registry = mesh.connect();
    const seen: Json[] = [];
    registry.subscribe('device-connect.*.registry', (m) => {
      const req = JSON.parse(dec.decode(m.data)) as Json;
      seen.push(req);
      const golden = JSON.parse(G.REGISTER_REPLY) as Json;
      registry.publish(m.reply!, JSON.stringify({ ...golden, id: req.id }));
    });
    rt = createDemoDevice(mesh.connect({ discoveryMode: 'infra' }), {}, true);
    await rt.start();
    expect(rt.registrationId).toBe('cf2fadb5-db7d-4743-a8e4-80bc63bbc481');
    const golden = JSON.parse(G.REGISTER_REQUEST) as Json;
    expect(seen).toHaveLength(1);
    expect(withoutTs(seen[0].params)).toEqual(withoutTs(golden.params));
    expect(shape(seen[0])).toEqual(shape(golden));
    expect(seen[0].id).toMatch(/^sensor-001-\d{13}$/);
    expect((seen[0].params as { status: { ts: string } }).status.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses a registry reply without a UUID and keeps retrying', async () => {
    mesh = createLocalMesh();
    const registry = mesh.connect();
    let attempts = 0;
    registry.subscribe('device-connect.*.registry', (m) => {
      attempts++;
      const req = JSON.parse(dec.decode(m.data)) as Json;
      const id = attempts === 1 ? 'not-a-uuid' : '16ace076-575f-420a-bf93-46b8b6a16247';
      registry.publish(m.reply!, JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { status: 'registered', device_registration_id: id } }));
    });
    rt = createDemoDevice(mesh.connect({ discoveryMode: 'infra' }), { registerBackoffMs: { min: 20, max: 40 } });
    await rt.start();
    expect(rt.registrationId).toBeNull();
    await expect.poll(() => rt!.registrationId).toBe('16ace076-575f-420a-bf93-46b8b6a16247');
    expect(attempts).toBe(2);
  });

  it('presence, heartbeat, departure and events have the reference keys and shapes', async () => {
    mesh = createLocalMesh();
    const spy = mesh.connect();
    const presence = capture(spy, 'device-connect.default.sensor-001.presence');
    const heartbeats = capture(spy, 'device-connect.default.sensor-001.heartbeat');
    const events = capture(spy, 'device-connect.default.sensor-001.event.alert');
    rt = createDemoDevice(mesh.connect(), {}, true);
    await rt.start();
    await expect.poll(() => presence.length && heartbeats.length).toBeGreaterThan(0);

    const goldenPresence = JSON.parse(G.PRESENCE) as Json;
    expect(shape(presence[0])).toEqual(shape(goldenPresence));
    expect(withoutTs(presence[0])).toEqual(withoutTs(goldenPresence));
    expect(shape(heartbeats[0])).toEqual(shape(JSON.parse(G.HEARTBEAT)));
    expect(heartbeats[0].device_id).toBe('sensor-001');

    const client = mesh.connect();
    await rawRequest(client, CMD, '{"jsonrpc": "2.0", "id": "x1", "method": "set_threshold", "params": {"value": 3.5}}');
    await expect.poll(() => events.length).toBe(1);
    const goldenEvent = JSON.parse(G.EVENT_ALERT) as { params: Json };
    expect(shape(events[0])).toEqual(shape(goldenEvent));
    expect(events[0]).toMatchObject({ jsonrpc: '2.0', method: 'alert', params: { level: 'info', message: 'threshold set to 3.5' } });
    const p = events[0].params as Json;
    expect(p.event_id).toMatch(/^[0-9a-f]{8}$/);
    expect(p.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(p._trace_id).toMatch(/^[0-9a-f]{16}$/);

    await rt.stop();
    rt = undefined;
    await expect.poll(() => presence.some((d) => d.departing === true)).toBe(true);
    const departure = presence.find((d) => d.departing === true)!;
    expect(shape(departure)).toEqual(shape(JSON.parse(G.DEPARTURE)));
    expect(departure).toMatchObject({ device_id: 'sensor-001', tenant: 'default', departing: true });
  });

  it('answers a reference probe with an immediate presence', async () => {
    mesh = createLocalMesh();
    const spy = mesh.connect();
    rt = createDemoDevice(mesh.connect(), { presenceTiming: { burstDurationMs: 0, intervalMs: 60_000 } }, true);
    await rt.start();
    await spy.flush();
    const presence = capture(spy, 'device-connect.default.sensor-001.presence');
    spy.publish('device-connect.default.discovery.probe', G.PROBE);
    await expect.poll(() => presence.length).toBe(1);
    expect(presence[0].d2d).toBe(true);
  });

  it('replies to the captured cmd requests exactly as the reference', async () => {
    mesh = createLocalMesh();
    rt = createDemoDevice(mesh.connect(), {}, true);
    await rt.start();
    const conn = mesh.connect();
    for (const [req, resp] of G.CMD_PAIRS) {
      const got = await rawRequest(conn, CMD, req);
      const golden = JSON.parse(resp) as Json;
      if ((golden.error as Json | undefined)?.message?.toString().includes('bogus')) {
        // Same code, id and "Error invoking get_reading: " prefix; our text names the bad argument our way.
        expect(got).toMatchObject({ jsonrpc: '2.0', id: golden.id, error: { code: -32000 } });
        expect((got.error as Json).message).toBe("Error invoking get_reading: invalid params: unexpected argument 'bogus'");
      } else {
        expect(got).toEqual(golden);
      }
    }
    // The MCP bridge router's key order and uuid id.
    expect(await rawRequest(conn, CMD, G.CMD_ROUTER_REQUEST)).toEqual({
      jsonrpc: '2.0',
      id: '0da9eca7-39e0-4b3c-b320-e1d6da750f27',
      result: { temperature: 72.5, unit: 'F', humidity: 45 },
    });
    // The registry's pull returns the registration params.
    const pulled = await rawRequest(conn, CMD, G.CMD_REQUEST_REGISTRATION);
    expect(pulled.id).toBe('re-reg-ts-lamp-01-1795310957641');
    expect(withoutTs(pulled.result)).toEqual(withoutTs((JSON.parse(G.REGISTER_REQUEST) as Json).params));
  });

  it('strips _dc_meta and exposes source_device; executes a call without id but does not answer it', async () => {
    mesh = createLocalMesh();
    const seen: Array<{ params: JsonObject; source?: string }> = [];
    rt = new DeviceRuntime({
      connection: mesh.connect(),
      deviceId: 'sensor-001',
      deviceType: 'sensor',
      description: '',
      functions: [
        {
          name: 'doSomething',
          description: '',
          parameters: { type: 'object', properties: { value: { type: 'integer' } }, required: ['value'] },
          handler: (params: JsonObject, ctx: FunctionContext) => {
            seen.push({ params, source: ctx.sourceDevice });
            return 'done';
          },
        },
      ],
    });
    await rt.start();
    const conn = mesh.connect();
    expect(await rawRequest(conn, CMD, G.CMD_DSOMETHING_WITH_META)).toEqual({ jsonrpc: '2.0', id: 'req-003', result: 'done' });
    expect(seen).toEqual([{ params: { value: 42 }, source: 'sensor-01' }]);
    const noId = await conn.request(CMD, '{"jsonrpc":"2.0","method":"doSomething","params":{"value":1}}', 200).catch((e: unknown) => e);
    expect(noId).toBeInstanceOf(MeshError);
    expect((noId as MeshError).code).toBe('timeout');
    // JSON-RPC notification: executed, not answered (the reference drops it; a dropped stop keeps a robot moving).
    expect(seen).toEqual([
      { params: { value: 42 }, source: 'sensor-01' },
      { params: { value: 1 }, source: undefined },
    ]);
  });
});

describe('golden payloads: our client side', () => {
  let client: MeshClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('sends reference-shaped requests and maps the captured responses', async () => {
    const mesh = createLocalMesh();
    const fake = mesh.connect();
    const requests: Json[] = [];
    const replies = new Map<string, string>(G.CMD_PAIRS.map(([req, resp]) => [JSON.stringify((JSON.parse(req) as Json).method) + JSON.stringify((JSON.parse(req) as Json).params), resp]));
    fake.subscribe(CMD, (m) => {
      const req = JSON.parse(dec.decode(m.data)) as Json;
      requests.push(req);
      const golden = replies.get(JSON.stringify(req.method) + JSON.stringify(req.params))!;
      // Python spacing kept, only the id swapped for the caller's.
      fake.publish(m.reply!, golden.replace(/"id": "[^"]+"/, `"id": ${JSON.stringify(req.id)}`));
    });
    client = createMeshClient({ connection: mesh.connect() });
    expect(await client.invoke('sensor-001', 'get_reading', { unit: 'F' })).toEqual({ temperature: 72.5, unit: 'F', humidity: 45 });
    expect(shape(requests[0])).toEqual(shape(JSON.parse(G.CMD_PAIRS[0][0])));
    expect(requests[0].id).toMatch(/^d2d-[0-9a-f]{12}$/);

    const devErr = (await client.invoke('sensor-001', 'set_threshold', { value: -1 }).catch((e: unknown) => e)) as MeshError;
    expect(devErr).toMatchObject({ code: 'device_error', message: 'Error invoking set_threshold: threshold must be >= 0' });
    expect(devErr.details).toMatchObject({ rpcCode: -32000, deviceId: 'sensor-001', fn: 'set_threshold', subject: CMD });

    const unk = (await client.invoke('sensor-001', 'no_such_fn').catch((e: unknown) => e)) as MeshError;
    expect(unk).toMatchObject({ code: 'unknown_method', message: 'Unknown method: no_such_fn' });
    expect(unk.details.rpcCode).toBe(-32601);
  });

  it('timeout and no-responders errors use the reference wording', async () => {
    const mesh = createLocalMesh();
    client = createMeshClient({ connection: mesh.connect() });
    const nr = (await client.invoke('ghost-9', 'x').catch((e: unknown) => e)) as MeshError;
    expect(nr).toMatchObject({ code: 'no_responders', message: 'nats: no responders available for request' });
    // A wildcard subscriber counts as a responder but never answers (docs/PROTOCOL.md).
    mesh.connect().subscribe('>', () => {});
    const to = (await client.invoke('ghost', 'x', {}, { timeoutMs: 100 }).catch((e: unknown) => e)) as MeshError;
    expect(to).toMatchObject({ code: 'timeout', message: 'Request to device-connect.default.ghost.cmd timed out after 0.1s' });
    expect(to.details).toMatchObject({ timeoutMs: 100, subject: 'device-connect.default.ghost.cmd' });
  });

  it('parses the Python sensor-001 presence and a foreign lamp into DeviceInfo, and the probe has the reference shape', async () => {
    const mesh = createLocalMesh();
    const py = mesh.connect();
    const probes: Json[] = [];
    let sensorUp = true;
    py.subscribe('device-connect.default.discovery.probe', (m) => {
      probes.push(JSON.parse(dec.decode(m.data)) as Json);
      if (sensorUp) py.publish('device-connect.default.sensor-001.presence', G.PRESENCE);
      py.publish('device-connect.default.ts-lamp-01.presence', G.LAMP_PRESENCE);
    });
    client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'd2d' }) });
    const devices = await client.listDevices();
    expect(shape(probes[0])).toEqual(shape(JSON.parse(G.PROBE)));
    const sensor = devices.find((d) => d.device_id === 'sensor-001')!;
    expect(sensor).toMatchObject({
      device_id: 'sensor-001',
      device_type: 'sensor',
      location: 'lab-1',
      description: 'Demo temperature sensor.',
      identity: { device_type: 'sensor', manufacturer: 'Acme', model: 'TH-100', description: 'Demo sensor' },
      status: { location: 'lab-1', availability: 'available', busy_score: 0, online: true },
      labels: { category: 'sensor', location: 'lab-1', type: 'sensor' },
      online: true,
      source: 'local',
    });
    expect(sensor.functions.map((f) => f.name)).toEqual(['get_reading', 'set_threshold']);
    expect(sensor.functions[0].parameters).toEqual({
      type: 'object',
      properties: { unit: { type: 'string', description: 'Temperature unit, C or F', default: 'C' } },
      required: [],
    });
    expect(sensor.functions[1].labels).toEqual({ direction: 'write' });
    expect(sensor.events.map((e) => e.name)).toEqual(['alert']);
    const lamp = devices.find((d) => d.device_id === 'ts-lamp-01')!;
    expect(lamp).toMatchObject({ device_type: 'lamp', location: 'desk', labels: { location: 'desk', type: 'lamp' } });
    expect(lamp.functions[0]).toEqual({
      name: 'set_power',
      description: 'Turn lamp on/off',
      parameters: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'] },
      labels: null,
      tags: [],
    });
    expect(lamp.events[0]).toEqual({ name: 'power_changed', description: '', payload_schema: null, labels: null, tags: [] });
    // Reference departure removes the device.
    sensorUp = false;
    py.publish('device-connect.default.sensor-001.presence', G.DEPARTURE);
    await expect.poll(async () => (await client!.listDevices()).map((d) => d.device_id)).toEqual(['ts-lamp-01']);
    expect(await client.getDevice('sensor-001')).toBeNull();
  });

  it('infra discovery: reference listDevices request and the captured list/get replies', async () => {
    const mesh = createLocalMesh();
    const registry = mesh.connect();
    const requests: Json[] = [];
    registry.subscribe('device-connect.default.discovery', (m) => {
      const req = JSON.parse(dec.decode(m.data)) as Json;
      requests.push(req);
      if (req.method === 'discovery/listDevices') {
        registry.publish(m.reply!, `{"jsonrpc":"2.0","id":${JSON.stringify(req.id)},"result":{"devices":[${G.LAMP_RECORD}],"next_offset":null,"total_matched":1}}`);
      } else {
        registry.publish(m.reply!, G.GET_DEVICE_NULL_REPLY.replace('"rpc-f6aa23b2fe31"', JSON.stringify(req.id)));
      }
    });
    client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'infra' }) });
    const devices = await client.listDevices();
    const golden = JSON.parse(G.LIST_DEVICES_REQUEST) as Json;
    expect(shape(requests[0])).toEqual(shape(golden));
    expect(requests[0].params).toEqual(golden.params);
    expect(requests[0].id).toMatch(/^rpc-[0-9a-f]{12}$/);
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({
      device_id: 'ts-lamp-01',
      device_type: 'lamp',
      location: 'desk',
      description: 'Minimal foreign lamp',
      status: { availability: 'idle', location: 'desk' },
      source: 'infra',
    });
    // Registry nulls are dropped rather than passed on as typed-string fields.
    expect(devices[0].identity).toEqual({ arch: 'arm64', host_cpu: 'generic', dram_mb: 0, device_type: 'lamp', capabilities: [] });
    expect(await client.getDevice('nope')).toBeNull();
    expect(requests[1]).toMatchObject({ method: 'discovery/getDevice', params: { device_id: 'nope' } });
    const fleet = await client.describeFleet();
    expect(fleet).toEqual({
      total_devices: 1,
      total_functions: 1,
      by_type: { lamp: { count: 1, locations: ['desk'] } },
      by_location: { desk: { count: 1, types: ['lamp'] } },
    });
  });
});

describe('broadcast (docs/PROTOCOL.md)', () => {
  it('acts on a targeted broadcast and replies on event.async_reply.<cid>; other targets and where-filters are skipped', async () => {
    const mesh = createLocalMesh();
    const rt = createDemoDevice(mesh.connect(), {}, true);
    await rt.start();
    const agent = mesh.connect();
    const replies: Json[] = [];
    agent.subscribe('device-connect.default.*.event.async_reply.*', (m) => replies.push(JSON.parse(dec.decode(m.data)) as Json));
    const send = (env: Json) => agent.publish('device-connect.default.broadcast', JSON.stringify(env));
    send({ correlation_id: 'br-000000000001', function: 'get_reading', params: { unit: 'F' }, targets: ['sensor-001'] });
    send({ correlation_id: 'br-000000000002', function: 'get_reading', params: {}, targets: ['cam-001'] });
    send({ correlation_id: 'br-000000000003', function: 'get_reading', params: {}, where: 'labels.category == "sensor"' });
    send({ correlation_id: 'br-000000000004', function: 'set_threshold', params: { value: -1 } });
    await expect.poll(() => replies.length).toBe(2);
    await agent.flush();
    expect(replies.length).toBe(2);
    const ok = replies.find((r) => r.correlation_id === 'br-000000000001')!;
    expect(ok).toMatchObject({ device_id: 'sensor-001', success: true, result: { temperature: 72.5, unit: 'F', humidity: 45 } });
    expect(typeof ok.actually_fired_at).toBe('number');
    expect(replies.find((r) => r.correlation_id === 'br-000000000004')).toMatchObject({
      success: false,
      error: { code: 'invoke_failed', message: 'Error invoking set_threshold: threshold must be >= 0' },
    });
    await rt.stop();
  });
});
