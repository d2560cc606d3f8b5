/**
 * Infra discovery: a golden "Python" sensor registers with the registry (captured registerDevice payload) and the
 * bridge, in DEVICE_CONNECT_DISCOVERY_MODE=infra, lists, describes and invokes it through discovery/listDevices
 * and discovery/getDevice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { startTestRegistry, type TestRegistry } from '../../helpers/test-registry';
import { meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { GOLDEN_FUNCTIONS, registerGoldenInfra, startGoldenPythonDevice, type GoldenDevice } from './golden-python-device';

setStderrLogging(false);
const ROOT = new URL('../../../', import.meta.url).pathname;

describe('reachy-console mcp in infra discovery mode', () => {
  let nats: NatsServerHandle;
  let registryConn: MeshConnection;
  let registry: TestRegistry;
  let golden: GoldenDevice;
  let registration: Awaited<ReturnType<typeof registerGoldenInfra>>;
  let client: Client;

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<string> =>
    ((await client.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text;

  beforeAll(async () => {
    nats = await startNatsServer();
    registryConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
    registry = startTestRegistry({ connection: registryConn });
    await registryConn.flush();
    golden = await startGoldenPythonDevice(nats.url);
    registration = await registerGoldenInfra(nats.url);
    client = new Client({ name: 'infra-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/reachy-console.mjs', 'mcp', '--allow', 'get_*'],
        cwd: ROOT,
        stderr: 'pipe',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NATS_URL: nats.url,
          DEVICE_CONNECT_ALLOW_INSECURE: '1',
          DEVICE_CONNECT_DISCOVERY_MODE: 'infra',
        },
      }),
    );
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await registration?.stop();
    await golden?.stop();
    registry?.stop();
    await registryConn?.close().catch(() => undefined);
    await nats?.stop();
  });

  it('lists and describes the registered Python device, and invokes what the allow-list permits', async () => {
    expect(registration.reply).toMatchObject({ jsonrpc: '2.0', id: 'sensor-001-1795310958132', result: { status: 'registered' } });
    const fleet = JSON.parse(await call('describe_fleet'));
    expect(fleet).toMatchObject({
      total_devices: 1,
      total_functions: 2,
      by_type: { sensor: { count: 1, locations: ['lab-1'] } },
      by_location: { 'lab-1': { count: 1, types: ['sensor'] } },
    });
    expect(fleet.devices[0].functions).toEqual(GOLDEN_FUNCTIONS.map((f) => ({ name: f.name, description: f.description, parameters: f.parameters })));
    const list = JSON.parse(await call('list_devices'));
    expect(list.devices[0]).toMatchObject({ device_id: 'sensor-001', function_names: ['get_reading', 'set_threshold'], status: 'available' });
    const fns = JSON.parse(await call('get_device_functions', { device_id: 'sensor-001' }));
    expect(fns).toMatchObject({ device_id: 'sensor-001', device_type: 'sensor', location: 'lab-1', events: ['alert'] });
    expect(await call('get_device_functions', { device_id: 'nope' })).toBe('{"error": "Device nope not found"}');

    expect(JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading', arguments: '{"unit": "F"}' })).result).toEqual({
      temperature: 72.5,
      unit: 'F',
      humidity: 45,
    });
    const refused = JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 1}' }));
    expect(refused.success).toBe(false);
    expect(refused.error).toMatch(/^Function 'set_threshold' is not allowed by this bridge's allow-list \(allowed: names matching get_\*; /);
    expect(registry.log.some((r) => r.method === 'discovery/listDevices')).toBe(true);
  });
});
