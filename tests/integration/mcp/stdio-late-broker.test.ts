/**
 * A bridge started while its broker is down does not exit: tools answer "not connected" in words, and once the
 * broker is up the bridge joins it and the agent reaches the devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { startGoldenPythonDevice, type GoldenDevice } from './golden-python-device';

const ROOT = new URL('../../../', import.meta.url).pathname;

describe('reachy-console mcp with a broker that comes up later', () => {
  let nats: NatsServerHandle;
  let golden: GoldenDevice | undefined;
  let client: Client;
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<string> =>
    ((await client.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text;

  beforeAll(async () => {
    nats = await startNatsServer();
    await nats.kill();
    client = new Client({ name: 'late', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/reachy-console.mjs', 'mcp'],
        cwd: ROOT,
        stderr: 'ignore',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NATS_URL: nats.url,
          DEVICE_CONNECT_ALLOW_INSECURE: 'true',
          DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
        },
      }),
    );
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await golden?.stop();
    await nats?.stop();
  });

  it('answers "not connected" first, then works once the broker runs', async () => {
    const early = JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading' }));
    expect(early.success).toBe(false);
    expect(early.error).toMatch(/not connected to the mesh at nats:\/\/127\.0\.0\.1:\d+ yet/);
    await nats.start();
    golden = await startGoldenPythonDevice(nats.url);
    await expect
      .poll(async () => JSON.parse(await call('invoke_device', { device_id: 'sensor-001', function: 'get_reading' })).success, {
        timeout: 20_000,
        interval: 300,
      })
      .toBe(true);
    expect(JSON.parse(await call('describe_fleet')).total_devices).toBe(1);
  });
});
