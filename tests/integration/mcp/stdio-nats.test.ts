/**
 * The bridge as an agent uses it: `node bin/reachy-console.mjs mcp` spawned over real stdio by the SDK's MCP
 * Client, on a real nats-server with the Reachy driver + simulator and a golden-payload "Python" device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { targetForSimulator } from '../../../src/main/reachy';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';
import { GOLDEN_FUNCTIONS, startGoldenPythonDevice, startMuteDevice, type GoldenDevice } from './golden-python-device';

setStderrLogging(false);

const ROOT = new URL('../../../', import.meta.url).pathname;

type ToolResult = { content: Array<{ type: string; text: string }>; isError?: boolean };

describe('reachy-console mcp over stdio on a real nats-server', () => {
  let nats: NatsServerHandle;
  let sim: Simulator;
  let driverConn: MeshConnection;
  let driver: ReachyDriverHandle;
  let golden: GoldenDevice;
  let mute: GoldenDevice;
  let client: Client;
  let stderr = '';

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<string> => {
    const r = (await client.callTool({ name, arguments: args })) as ToolResult;
    return r.content[0].text;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    sim = await startSimulator({ port: 0, mode: 'mockup', seed: 3 });
    await sim.ready();
    driverConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
    driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId: 'reachy-mini-1',
      stateHz: 5,
      media: false,
      heartbeatLogS: 0,
    });
    golden = await startGoldenPythonDevice(nats.url);
    mute = await startMuteDevice(nats.url, 'mute-1');

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['bin/reachy-console.mjs', 'mcp'],
      cwd: ROOT,
      stderr: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NATS_URL: nats.url,
        DEVICE_CONNECT_ALLOW_INSECURE: 'true',
        DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
        MCP_REQUEST_TIMEOUT: '2',
      },
    });
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    client = new Client({ name: 'stdio-test', version: '1' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await mute?.stop();
    await golden?.stop();
    await driver?.close().catch(() => undefined);
    await driverConn?.close().catch(() => undefined);
    await sim?.stop();
    await nats?.stop();
  });

  it('lists the five tools with input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['describe_fleet', 'get_device_functions', 'invoke_device', 'list_devices', 'wait_for_event']);
    for (const t of tools) expect(t.inputSchema.type).toBe('object');
  });

  it('describes the fleet: the TypeScript robot and the golden Python sensor alike', async () => {
    const fleet = JSON.parse(await call('describe_fleet'));
    expect(fleet.total_devices).toBe(2);
    expect(fleet.by_type).toMatchObject({ reachy_mini: { count: 1 }, sensor: { count: 1, locations: ['lab-1'] } });
    expect(fleet.hint).toBe('Full device details included \u2014 skip list_devices / get_device_functions and go straight to invoke_device.');
    const sensor = fleet.devices.find((d: { device_id: string }) => d.device_id === 'sensor-001');
    expect(sensor).toEqual({
      device_id: 'sensor-001',
      device_type: 'sensor',
      location: 'lab-1',
      functions: GOLDEN_FUNCTIONS.map((f) => ({ name: f.name, description: f.description, parameters: f.parameters })),
      events: ['alert'],
    });

    const list = JSON.parse(await call('list_devices', { device_type: 'Reachy-Mini' }));
    expect(list).toMatchObject({ total: 1, offset: 0, limit: 20, has_more: false });
    expect(list.devices[0]).toMatchObject({ device_id: 'reachy-mini-1', device_type: 'reachy_mini' });
    expect(list.devices[0].function_names).toEqual(expect.arrayContaining(['get_status', 'look_at_world', 'stop_motion']));
    const sensors = JSON.parse(await call('list_devices', { status: 'available', location: 'lab' }));
    expect(sensors.devices.map((d: { device_id: string; status: string }) => [d.device_id, d.status])).toEqual([['sensor-001', 'available']]);

    const fns = JSON.parse(await call('get_device_functions', { device_id: 'reachy-mini-1' }));
    expect(fns.events).toEqual(expect.arrayContaining(['state_event', 'safety_event']));
    const lookAt = fns.functions.find((f: { name: string }) => f.name === 'look_at_world');
    expect(lookAt.parameters.type).toBe('object');
    expect(await call('get_device_functions', { device_id: 'ghost' })).toBe('{"error": "Device ghost not found"}');
  });

  it('invokes the robot and the Python device; errors in the reference wording', async () => {
    const status = JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'get_status' }));
    expect(status.success).toBe(true);
    expect(status.result.driver_state.device_id).toBe('reachy-mini-1');
    const refused = JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'look_at_world', arguments: '{"pitch": 40}' }));
    expect(refused.success).toBe(false);
    expect(refused.error).toMatch(/^Device error: .*pitch/);

    expect(JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading', arguments: '{"unit":"F"}' }))).toEqual({
      success: true,
      result: { temperature: 72.5, unit: 'F', humidity: 45 },
    });
    expect(await call('invoke_device', { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": -1}' })).toBe(
      '{"success": false, "error": "Device error: Error invoking set_threshold: threshold must be >= 0"}',
    );
    expect(await call('invoke_device', { device_id: 'sensor-001', function: 'no_such_fn' })).toBe(
      `{"success": false, "error": "Function 'no_such_fn' not found on device 'sensor-001'"}`,
    );
    expect(JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading', arguments: '{bad' })).error).toMatch(
      /^Invalid JSON arguments: /,
    );
    const ghost = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'ghost-9', function: 'x' } })) as ToolResult;
    expect(ghost.isError).toBe(true);
    expect(ghost.content[0].text).toBe(
      '{"success": false, "error": "Failed to invoke ghost-9::x: Request failed: nats: no responders available for request"}',
    );
    expect(await call('invoke_device', { device_id: 'mute-1', function: 'x' })).toBe(
      '{"success": false, "error": "Failed to invoke mute-1::x: Request to device-connect.default.mute-1.cmd timed out after 2.0s"}',
    );
  });

  it('wait_for_event returns the event fired by a preceding invoke_device, and times out cleanly', async () => {
    expect(JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 7}' })).success).toBe(true);
    expect(JSON.parse(await call('wait_for_event', { device_id: 'sensor-001', event_name: 'alert', timeout_seconds: 5 }))).toEqual({
      device_id: 'sensor-001',
      event_name: 'alert',
      params: { level: 'info', message: 'threshold set to 7', event_id: '136e12b6', ts: '2026-11-22T01:27:28Z', _trace_id: '58a91e30b3a44762' },
    });
    const state = JSON.parse(await call('wait_for_event', { device_id: 'reachy-mini-1', event_name: 'state_event', timeout_seconds: 5 }));
    expect(state).toMatchObject({ device_id: 'reachy-mini-1', event_name: 'state_event' });
    expect(JSON.parse(await call('wait_for_event', { device_id: 'sensor-001', event_name: 'never', timeout_seconds: 0.3 }))).toEqual({
      timeout: true,
      device_id: 'sensor-001',
    });
  });

  it('survives a broker restart and answers tool calls again', async () => {
    await nats.restart();
    const deadline = Date.now() + 20_000;
    let last = '';
    while (Date.now() < deadline) {
      last = await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading' });
      if (JSON.parse(last).success) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(JSON.parse(last)).toEqual({ success: true, result: { temperature: 22.5, unit: 'C', humidity: 45 } });
    await expect
      .poll(async () => JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'get_body_yaw' })).success, { timeout: 15_000, interval: 250 })
      .toBe(true);
    // Event subscriptions came back with the link.
    expect(JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 11}' })).success).toBe(true);
    const after = JSON.parse(
      await call('wait_for_event', { device_id: 'sensor-001', match_params: '{"message": "threshold set to 11"}', timeout_seconds: 5 }),
    );
    expect(after.params.message).toBe('threshold set to 11');
    expect(stderr).toContain('tool invoke_device');
  });
});
