/**
 * `reachy-console mcp --sim --motion ask` driven over real stdio by the SDK Client: a human at the MCP client
 * decides each motion call through elicitation. A declined call leaves the simulated robot where it was, an
 * accepted one moves it, a client that cannot ask gets a denial saying how to allow motion, and a stop is never
 * asked. The robot's position is read back from the simulator through get_body_yaw (observing is not asked).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const ROBOT = 'reachy-mini-1';

interface Reply { isError: boolean; body: { success: boolean; error?: string; result?: Record<string, unknown> } }

describe('mcp --sim --motion ask (elicitation)', () => {
  let client: Client | null = null;
  afterEach(async () => {
    await client?.close().catch(() => undefined);
    client = null;
  });

  const start = async (elicitation: boolean, answer?: () => ElicitResult, asked?: string[]): Promise<Client> => {
    const c = new Client({ name: 'claude-test', version: '1' }, { capabilities: elicitation ? { elicitation: {} } : {} });
    if (elicitation) {
      c.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked?.push(req.params.message);
        return answer ? answer() : { action: 'decline' };
      });
    }
    await c.connect(
      new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp', '--sim', '--motion', 'ask'], cwd: ROOT, stderr: 'ignore', env }),
    );
    client = c;
    return c;
  };
  const invoke = async (c: Client, fn: string, args: Record<string, unknown> = {}): Promise<Reply> => {
    const r = (await c.callTool({ name: 'invoke_device', arguments: { device_id: ROBOT, function: fn, arguments: JSON.stringify(args) } })) as {
      isError?: boolean;
      content: Array<{ text: string }>;
    };
    return { isError: r.isError === true, body: JSON.parse(r.content[0].text) };
  };
  const bodyYaw = async (c: Client): Promise<number> => Number((await invoke(c, 'get_body_yaw')).body.result?.yaw_deg);

  it('a declined confirmation leaves the robot where it was; an accepted one moves it; stop_motion is never asked', async () => {
    const asked: string[] = [];
    let action: ElicitResult['action'] = 'decline';
    const c = await start(true, () => ({ action, ...(action === 'accept' ? { content: { approve: true } } : {}) }), asked);
    const before = await bodyYaw(c);
    expect(asked).toEqual([]);

    const declined = await invoke(c, 'set_body_yaw', { yaw_deg: 25, duration_s: 0.3, wait: true });
    expect(declined.isError).toBe(true);
    expect(declined.body).toEqual({ success: false, error: 'denied by the operator: the person at the MCP client declined this call' });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/set_body_yaw on reachy-mini-1 \(yaw_deg=25, duration_s=0\.3\)/);
    // Nothing moved: give a move that was (wrongly) sent time to show up in the simulator's state.
    await new Promise((r) => setTimeout(r, 600));
    expect(await bodyYaw(c)).toBeCloseTo(before, 0);

    action = 'accept';
    const accepted = await invoke(c, 'set_body_yaw', { yaw_deg: 25, duration_s: 0.3, wait: true });
    expect(accepted.isError).toBe(false);
    expect(accepted.body.success).toBe(true);
    await expect.poll(() => bodyYaw(c), { timeout: 10_000, interval: 200 }).toBeCloseTo(25, 0);
    expect(asked).toHaveLength(2);

    action = 'decline';
    const stop = await invoke(c, 'stop_motion');
    expect(stop.body.success).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('a client without elicitation gets a denial that says how to allow motion; the robot stays put', async () => {
    const c = await start(false);
    const before = await bodyYaw(c);
    const r = await invoke(c, 'set_body_yaw', { yaw_deg: -30, duration_s: 0.3 });
    expect(r.isError).toBe(true);
    expect(r.body.success).toBe(false);
    expect(r.body.error).toMatch(/^denied by policy: motion calls need a human's approval \(--motion ask: ask\)/);
    expect(r.body.error).toContain('start the bridge with --motion allow');
    await new Promise((res) => setTimeout(res, 600));
    expect(await bodyYaw(c)).toBeCloseTo(before, 0);
    expect((await invoke(c, 'stop_motion')).body.success).toBe(true);
  });
});
