/**
 * `reachy-console mcp --sim`: no broker; the bridge runs the simulator and driver in-process. Driven over real
 * stdio by the SDK Client; a second, raw run checks that stdout carries nothing but MCP JSON-RPC frames.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

describe('reachy-console mcp --sim', () => {
  let client: Client;
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<string> =>
    ((await client.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text;

  beforeAll(async () => {
    client = new Client({ name: 'sim-test', version: '1' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp', '--sim'], cwd: ROOT, stderr: 'ignore', env }),
    );
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
  });

  it('gives an agent a simulated robot: discover, move, read back, wait for events', async () => {
    const fleet = JSON.parse(await call('describe_fleet'));
    expect(fleet.total_devices).toBe(1);
    expect(fleet.devices[0].device_id).toBe('reachy-mini-1');
    expect(fleet.devices[0].functions.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['look_at_world', 'set_body_yaw', 'get_joints']));

    const moved = JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'set_body_yaw', arguments: '{"yaw_deg": 20, "duration_s": 0.3}' }));
    expect(moved).toMatchObject({ success: true });
    await expect
      .poll(async () => JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'get_body_yaw' })).result.yaw_deg, {
        timeout: 10_000,
        interval: 200,
      })
      .toBeCloseTo(20, 0);

    const ev = JSON.parse(await call('wait_for_event', { device_id: 'reachy-mini-1', event_name: 'state_event', timeout_seconds: 5 }));
    expect(ev.event_name).toBe('state_event');
    const bad = JSON.parse(await call('invoke_device', { device_id: 'reachy-mini-1', function: 'set_body_yaw', arguments: '{"yaw_deg": 400}' }));
    expect(bad.success).toBe(false);
    expect(bad.error).toMatch(/^Device error: /);
  });
});

describe('stdout discipline and --read-only', () => {
  it('writes only JSON-RPC frames to stdout (logs go to stderr) and refuses motion in read-only mode', async () => {
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'mcp', '--sim', '--read-only'], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const send = (m: unknown): void => {
      child.stdin.write(JSON.stringify(m) + '\n');
    };
    const waitFor = async (id: number): Promise<Record<string, unknown>> => {
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        const hit = out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((m) => m.id === id);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no reply ${id}; stderr: ${err.slice(-500)}`);
    };
    try {
      send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      await waitFor(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'wake_up' } } });
      const refused = (await waitFor(2)) as { result: { content: Array<{ text: string }> } };
      expect(JSON.parse(refused.result.content[0].text).error).toMatch(/^Function 'wake_up' is not allowed/);
      send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'get_joints' } } });
      const joints = (await waitFor(3)) as { result: { content: Array<{ text: string }> } };
      expect(JSON.parse(joints.result.content[0].text).success).toBe(true);
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
    const lines = out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(err).toContain('MCP bridge ready on stdio');
    expect(err).toContain('allow-list: ');
  });
});
