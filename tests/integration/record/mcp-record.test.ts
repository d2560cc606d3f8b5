/**
 * `reachy-console mcp --sim --record FILE`: an agent's session over real stdio is recorded — its tool calls with
 * arguments and results, the invokes they caused (caller mcp-agent, with duration), beside the robot's state and
 * camera — and the file reads back valid once the bridge exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { checkRecording } from '../../helpers/mcap-check';

const ROOT = new URL('../../../', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcp --record', () => {
  it("records the agent's tool calls and the invokes they caused beside state and camera", async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-rec-'));
    const out = join(dir, 'agent.mcap');
    const client = new Client({ name: 'agent-test', version: '1' });
    const transport = new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp', '--sim', '--record', out], cwd: ROOT, stderr: 'ignore', env });
    await client.connect(transport);
    const call = (fn: string, args: Record<string, unknown> = {}) =>
      client.callTool({ name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: fn, arguments: JSON.stringify(args) } });
    await call('get_imu');
    const refused = (await call('look_at_world', { pitch: 80 })) as { isError?: boolean };
    expect(refused.isError).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    await client.close(); // the bridge exits and writes the summary

    let rec: Awaited<ReturnType<typeof checkRecording>> | null = null;
    for (let i = 0; i < 50 && !rec?.records.complete; i++) {
      rec = await checkRecording(out).catch(() => null);
      if (!rec?.records.complete) await new Promise((r) => setTimeout(r, 200));
    }
    expect(rec?.records.complete).toBe(true);
    expect(rec!.problems).toEqual([]);
    const tools = (rec!.byTopic.get('/mcp/tool_calls') ?? []).map((m) => m.value);
    expect(tools.map((t) => [t.tool, (t.arguments as { function?: string }).function, t.is_error])).toEqual([
      ['invoke_device', 'get_imu', false],
      ['invoke_device', 'look_at_world', true],
    ]);
    expect(JSON.stringify(tools[0].result)).toContain('accelerometer');
    const invokes = (rec!.byTopic.get('/reachy-mini-1/invokes') ?? []).map((m) => m.value).filter((v) => v.caller === 'mcp-agent');
    expect(invokes.map((v) => [v.function, v.ok])).toEqual([
      ['get_imu', true],
      ['look_at_world', false],
    ]);
    for (const v of invokes) expect(typeof v.duration_ms).toBe('number');
    expect(rec!.byTopic.get('/reachy-mini-1/state')?.length).toBeGreaterThan(5);
    expect(rec!.jpegFrames).toBeGreaterThan(0);
  }, 60_000);
});
