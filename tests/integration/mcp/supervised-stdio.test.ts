/**
 * `reachy-console mcp --sim --motion ask` driven over real stdio by the SDK Client: a human at the MCP client
 * decides each motion call through elicitation. A declined call leaves the simulated robot where it was, an
 * accepted one moves it, a client that cannot ask gets a denial saying how to allow motion, and a stop is never
 * asked. The robot's position is read back from the simulator through get_body_yaw (observing is not asked).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  const start = async (elicitation: boolean, answer?: () => ElicitResult, asked?: string[], extra: string[] = ['--motion', 'ask']): Promise<Client> => {
    const c = new Client({ name: 'claude-test', version: '1' }, { capabilities: elicitation ? { elicitation: {} } : {} });
    if (elicitation) {
      c.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked?.push(req.params.message);
        return answer ? answer() : { action: 'decline' };
      });
    }
    await c.connect(
      new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp', '--sim', ...extra], cwd: ROOT, stderr: 'ignore', env }),
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

  it('guard rails from --policy: envelope, no body moves and the budget are refused by name, and the simulator never moves for them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'agents:',
        '  claude-test:',
        '    guard:',
        '      envelope:',
        '        look_at_world: { yaw: [-30, 30] }',
        '        set_body_yaw: deny',
        '      motion_budget: 1',
      ].join('\n'),
    );
    const c = await start(false, undefined, undefined, ['--policy', file]);
    const yaw = async (): Promise<number> =>
      Number(((await invoke(c, 'get_joints')).body.result?.head_pose as { rpy_deg: { yaw: number } }).rpy_deg.yaw);
    const body0 = await bodyYaw(c);
    const head0 = await yaw();
    const env = await invoke(c, 'look_at_world', { yaw: 40, duration_s: 0.3 });
    expect(env.isError).toBe(true);
    expect(env.body.error).toBe("refused by guard rail guard.envelope.look_at_world.yaw: yaw=40 is outside agent claude-test's envelope [-30, 30]");
    const body = await invoke(c, 'set_body_yaw', { yaw_deg: 10, duration_s: 0.3 });
    expect(body.body.error).toBe('refused by guard rail guard.envelope.set_body_yaw: set_body_yaw is not allowed for agent claude-test');
    const ok = await invoke(c, 'look_at_world', { yaw: 15, duration_s: 0.3, wait: true });
    expect(ok.body.success).toBe(true);
    expect(ok.body.result?.owner).toBe('agent:claude-test');
    const over = await invoke(c, 'look_at_world', { yaw: -15, duration_s: 0.3 });
    expect(over.body.error).toBe('refused by guard rail guard.motion_budget: agent claude-test has used its 1 motion calls for this session');
    await new Promise((r) => setTimeout(r, 600));
    expect(await bodyYaw(c)).toBeCloseTo(body0, 0);
    expect(head0).toBeCloseTo(0, 0);
    expect(await yaw()).toBeCloseTo(15, 0);
  });

  it('a bad policy file or flag stops the bridge with the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'agents:\n  claude:\n    motion: maybe\n');
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['bin/reachy-console.mjs', 'mcp', '--sim', '--policy', file], { cwd: ROOT, env, input: '', encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${file}: agents.claude.motion: must be allow, ask or deny (got "maybe")`);
    const f = spawnSync(process.execPath, ['bin/reachy-console.mjs', 'mcp', '--sim', '--motion', 'sometimes'], { cwd: ROOT, env, input: '', encoding: 'utf8', timeout: 30_000 });
    expect(f.status).not.toBe(0);
    expect(f.stderr).toContain('--motion: must be allow, ask or deny (got "sometimes")');
  });
});
