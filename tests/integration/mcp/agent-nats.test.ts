/**
 * The bridge on a real nats-server as an agent meets it: a driver started with REACHY_LOCATION is grouped by that
 * location, and a bridge left in the default (infra) discovery mode with no registry says so and how to switch
 * to D2D instead of a bare "no responders".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';

const ROOT = new URL('../../../', import.meta.url).pathname;
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

type Result = { content: Array<{ type: string; text: string }>; isError?: boolean };

async function bridge(env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'agent-nats', version: '1' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp'], cwd: ROOT, stderr: 'ignore', env: { ...baseEnv, ...env } }),
  );
  return client;
}

describe('mcp on a NATS mesh', () => {
  let nats: NatsServerHandle;
  let driver: ChildProcess | null = null;
  const clients: Client[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    if (driver && driver.exitCode === null) {
      const exited = new Promise((r) => driver?.once('exit', r));
      driver.kill('SIGTERM');
      await exited;
    }
    await nats?.stop();
  });

  it('a driver started with REACHY_LOCATION is reported at that location (describe_fleet, list_devices)', async () => {
    driver = spawn(
      process.execPath,
      ['bin/reachy-console.mjs', 'driver', '--sim', '--sim-mode', 'mockup', '--no-media', '--state-hz', '0', '--messaging-url', nats.url, '--allow-insecure', '--discovery-mode', 'd2d', '--device-id', 'reachy-lab'],
      { cwd: ROOT, env: { ...baseEnv, REACHY_LOCATION: 'lab-7' }, stdio: 'ignore' },
    );
    const client = await bridge({ NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
    clients.push(client);
    const fleet = async (): Promise<{ total_devices: number; by_location: Record<string, unknown> }> =>
      JSON.parse(((await client.callTool({ name: 'describe_fleet', arguments: {} })) as Result).content[0].text);
    await expect.poll(async () => (await fleet()).total_devices, { timeout: 20_000, interval: 300 }).toBe(1);
    expect((await fleet()).by_location).toEqual({ 'lab-7': { count: 1, types: ['reachy_mini'] } });
    const found = JSON.parse(((await client.callTool({ name: 'list_devices', arguments: { location: 'lab' } })) as Result).content[0].text);
    expect(found.devices.map((d: { device_id: string; location: string }) => [d.device_id, d.location])).toEqual([['reachy-lab', 'lab-7']]);
  }, 40_000);

  it('infra discovery (the default with a NATS URL) without a registry: describe_fleet explains and names the D2D switch', async () => {
    const client = await bridge({ NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true' });
    clients.push(client);
    const r = (await client.callTool({ name: 'describe_fleet', arguments: {} })) as Result;
    expect(r.isError).toBe(true);
    const { error } = JSON.parse(r.content[0].text) as { error: string };
    expect(error).toMatch(/^No Device Connect registry answered on device-connect\.default\.discovery \(nats: no responders available for request\)/);
    expect(error).toContain('set DEVICE_CONNECT_DISCOVERY_MODE=d2d');
  });
});
