import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient, type DeviceRuntime, type MeshClient } from '../../../src/main/mesh';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { BridgeTools } from '../../../src/main/mcp/tools';
import { createAllowList } from '../../../src/main/mcp/allow-list';
import type { McpCallRecord } from '../../../src/shared/console-api/mcp';
import { createLamp, createSensor } from './fixtures';

setStderrLogging(false);

describe('bridge tools over a local mesh (reference output shapes and wording)', () => {
  let runtimes: DeviceRuntime[] = [];
  let client: MeshClient;
  let tools: BridgeTools;
  let calls: McpCallRecord[];

  beforeEach(async () => {
    const mesh = createLocalMesh();
    runtimes = [createSensor(mesh.connect())];
    for (const rt of runtimes) await rt.start();
    client = createMeshClient({ connection: mesh.connect(), discoveryWaitMs: 200 });
    calls = [];
    tools = new BridgeTools({ mesh: () => client, logger: createLogger('test'), requestTimeoutMs: 5000, onCall: (r) => calls.push(r) });
  });
  afterEach(async () => {
    tools.close();
    await client.close();
    for (const rt of runtimes) await rt.stop();
  });

  it('describe_fleet expands a small fleet with the exact hint, escaped as Python json.dumps does', async () => {
    const text = (await tools.describeFleet()).text;
    expect(text).toContain('"hint": "Full device details included \\u2014 skip list_devices / get_device_functions and go straight to invoke_device."');
    const out = JSON.parse(text);
    expect(out).toMatchObject({
      total_devices: 1,
      total_functions: 3,
      by_type: { sensor: { count: 1, locations: ['lab-1'] } },
      by_location: { 'lab-1': { count: 1, types: ['sensor'] } },
    });
    expect(out.devices[0]).toEqual({
      device_id: 'sensor-001',
      device_type: 'sensor',
      location: 'lab-1',
      functions: expect.any(Array),
      events: ['alert'],
    });
    expect(out.devices[0].functions[0]).toEqual({
      name: 'get_reading',
      description: 'Return the current sensor reading.',
      parameters: { type: 'object', properties: { unit: { type: 'string', description: 'Temperature unit, C or F', default: 'C' } }, required: [] },
    });
    expect(text.startsWith('{\n  "total_devices": 1,')).toBe(true);
    expect(calls.at(-1)).toMatchObject({ tool: 'describe_fleet', ok: true });
  });

  it('list_devices pages, filters fuzzily by type and by status, and groups', async () => {
    const mesh2 = createLocalMesh();
    await client.close();
    for (const rt of runtimes) await rt.stop();
    runtimes = [createSensor(mesh2.connect())];
    for (let i = 0; i < 6; i++) runtimes.push(createLamp(mesh2.connect(), `lamp-${i}`, i < 3 ? 'desk' : 'hall', i % 2 ? 'busy' : 'idle'));
    for (const rt of runtimes) await rt.start();
    client = createMeshClient({ connection: mesh2.connect(), discoveryWaitMs: 300 });
    await expect.poll(async () => (await client.listDevices()).length).toBe(7);

    const page = JSON.parse((await tools.listDevices({ offset: 0, limit: 4 })).text);
    expect(page).toMatchObject({ total: 7, offset: 0, limit: 4, has_more: true });
    expect(page.devices).toHaveLength(4);
    // 7 devices is over the small-fleet threshold (5): no schemas in the summaries.
    expect(Object.keys(page.devices[0])).toEqual(['device_id', 'device_type', 'location', 'function_count', 'function_names', 'status']);
    const last = JSON.parse((await tools.listDevices({ offset: 4, limit: 4 })).text);
    expect(last).toMatchObject({ total: 7, has_more: false });
    expect(last.devices).toHaveLength(3);

    const lamps = JSON.parse((await tools.listDevices({ device_type: 'SmartLamp' })).text);
    expect(lamps.total).toBe(6);
    const busy = JSON.parse((await tools.listDevices({ device_type: 'lamp', status: 'BUS' })).text);
    expect(busy.devices.map((d: { device_id: string }) => d.device_id).sort()).toEqual(['lamp-1', 'lamp-3', 'lamp-5']);
    expect(busy.devices[0]).toHaveProperty('functions'); // 3 matches: small, so expanded
    const hall = JSON.parse((await tools.listDevices({ location: 'hal' })).text);
    expect(hall.total).toBe(3);

    const grouped = JSON.parse((await tools.listDevices({ group_by: 'location' })).text);
    expect(Object.keys(grouped.groups)).toEqual(['desk', 'hall', 'lab-1']);
    expect(grouped.total).toBe(7);

    const fleet = JSON.parse((await tools.describeFleet()).text);
    expect(fleet.total_devices).toBe(7);
    expect(fleet).not.toHaveProperty('hint');
  });

  it('get_device_functions returns the full device or the reference error', async () => {
    const out = JSON.parse((await tools.getDeviceFunctions({ device_id: 'sensor-001' })).text);
    expect(out.functions.map((f: { name: string }) => f.name)).toEqual(['get_reading', 'set_threshold', 'sleep_ms']);
    expect(out.events).toEqual(['alert']);
    expect((await tools.getDeviceFunctions({ device_id: 'ghost' })).text).toBe('{"error": "Device ghost not found"}');
  });

  it('invoke_device: success, and each failure in the reference wording', async () => {
    expect(JSON.parse((await tools.invokeDevice({ device_id: 'sensor-001', function: 'get_reading', arguments: '{"unit":"F"}' })).text)).toEqual({
      success: true,
      result: { temperature: 72.5, unit: 'F', humidity: 45 },
    });
    expect(JSON.parse((await tools.invokeDevice({ device_id: 'sensor-001', function: 'get_reading' })).text).result.unit).toBe('C');
    expect((await tools.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": -1}' })).text).toBe(
      '{"success": false, "error": "Device error: Error invoking set_threshold: threshold must be >= 0"}',
    );
    expect((await tools.invokeDevice({ device_id: 'sensor-001', function: 'no_such_fn' })).text).toBe(
      `{"success": false, "error": "Function 'no_such_fn' not found on device 'sensor-001'"}`,
    );
    const bad = JSON.parse((await tools.invokeDevice({ device_id: 'sensor-001', function: 'get_reading', arguments: '{bad' })).text);
    expect(bad.success).toBe(false);
    expect(bad.error).toMatch(/^Invalid JSON arguments: /);
    expect(JSON.parse((await tools.invokeDevice({ device_id: 'sensor-001', function: 'get_reading', arguments: '[1]' })).text).error).toMatch(
      /^Invalid JSON arguments: expected a JSON object/,
    );
    expect((await tools.invokeDevice({ device_id: 'ghost', function: 'x' })).text).toBe(
      '{"success": false, "error": "Failed to invoke ghost::x: Request failed: nats: no responders available for request"}',
    );
    expect(calls.filter((c) => c.tool === 'invoke_device').map((c) => c.ok)).toEqual([true, true, false, false, false, false, false]);
  });

  it('keeps big arguments out of the tool-call log', async () => {
    const big = JSON.stringify({ unit: 'C', note: 'x'.repeat(50_000) });
    await tools.invokeDevice({ device_id: 'sensor-001', function: 'get_reading', arguments: big });
    const logged = calls.at(-1)!.arguments as { arguments: string };
    expect(logged.arguments.length).toBeLessThan(300);
    expect(logged.arguments).toContain(`(${big.length} chars)`);
  });

  it('invoke_device timeout names the subject and the seconds', async () => {
    const quick = new BridgeTools({ mesh: () => client, logger: createLogger('test'), requestTimeoutMs: 200 });
    try {
      expect((await quick.invokeDevice({ device_id: 'sensor-001', function: 'sleep_ms', arguments: '{"ms": 1500}' })).text).toBe(
        '{"success": false, "error": "Failed to invoke sensor-001::sleep_ms: Request to device-connect.default.sensor-001.cmd timed out after 0.2s"}',
      );
    } finally {
      quick.close();
    }
  });

  it('the allow-list refuses other functions before anything reaches the device', async () => {
    const ro = new BridgeTools({ mesh: () => client, logger: createLogger('test'), allow: createAllowList(['get_*']) });
    try {
      const events: string[] = [];
      const off = client.subscribe('sensor-001', '*', (e) => events.push(e.event_name));
      const refused = JSON.parse((await ro.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 3}' })).text);
      expect(refused.success).toBe(false);
      expect(refused.error).toContain("Function 'set_threshold' is not allowed");
      expect(refused.error).toContain('get_*');
      expect(JSON.parse((await ro.invokeDevice({ device_id: 'sensor-001', function: 'get_reading' })).text).success).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(events).toEqual([]);
      off();
    } finally {
      ro.close();
    }
  });

  it('wait_for_event returns an event fired by a preceding invoke_device, filters, and times out cleanly', async () => {
    await tools.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 7}' });
    const ev = JSON.parse((await tools.waitForEvent({ device_id: 'sensor-001', event_name: 'alert', timeout_seconds: 2 })).text);
    expect(ev).toMatchObject({ device_id: 'sensor-001', event_name: 'alert', params: { level: 'info', message: 'threshold set to 7' } });
    expect(ev.params.event_id).toEqual(expect.any(String));

    await tools.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 8}' });
    const seven = JSON.parse(
      (await tools.waitForEvent({ device_id: 'sensor-001', match_params: '{"message": "threshold set to 7"}', timeout_seconds: 1 })).text,
    );
    expect(seven.params.message).toBe('threshold set to 7');

    const pending = tools.waitForEvent({ device_id: 'sensor-001', match_params: '{"message": "threshold set to 9"}', timeout_seconds: 5 });
    await tools.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 9}' });
    expect(JSON.parse((await pending).text).params.message).toBe('threshold set to 9');

    expect(JSON.parse((await tools.waitForEvent({ device_id: 'sensor-001', event_name: 'never', timeout_seconds: 0.2 })).text)).toEqual({
      timeout: true,
      device_id: 'sensor-001',
    });
    const badMatch = await tools.waitForEvent({ device_id: 'sensor-001', match_params: '{nope' });
    expect(badMatch.isError).toBe(true);
    expect(Object.keys(JSON.parse(badMatch.text))).toEqual(['error']);
    expect(JSON.parse(badMatch.text).error).toMatch(/^invalid match_params: /);
    const latest = JSON.parse(tools.latestEventText('sensor-001'));
    expect(latest.params.message).toBe('threshold set to 9');
    expect(JSON.parse(tools.latestEventText('ghost'))).toEqual({ device_id: 'ghost', event_name: null, params: {} });
  });
});

describe('bridge tools when the host swaps its mesh', () => {
  it('moves event subscriptions to the new mesh client', async () => {
    const meshA = createLocalMesh();
    const meshB = createLocalMesh();
    const rtA = createSensor(meshA.connect());
    const rtB = createSensor(meshB.connect());
    await rtA.start();
    await rtB.start();
    let current = createMeshClient({ connection: meshA.connect(), discoveryWaitMs: 100 });
    const t = new BridgeTools({ mesh: () => current, logger: createLogger('test') });
    try {
      await t.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 1}' });
      expect(JSON.parse((await t.waitForEvent({ device_id: 'sensor-001', timeout_seconds: 1 })).text).params.message).toBe('threshold set to 1');
      await current.close();
      current = createMeshClient({ connection: meshB.connect(), discoveryWaitMs: 100 });
      await t.invokeDevice({ device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 2}' });
      const ev = JSON.parse((await t.waitForEvent({ device_id: 'sensor-001', match_params: '{"message": "threshold set to 2"}', timeout_seconds: 1 })).text);
      expect(ev.params.message).toBe('threshold set to 2');
    } finally {
      t.close();
      await current.close();
      await rtA.stop();
      await rtB.stop();
    }
  });
});
