/**
 * Supervised agents in the real console (browser mode, Chromium): an agent on the console-hosted MCP bridge asks
 * to move the simulated robot; its pending look_at_world is shown with the predicted target; Approve moves the
 * robot, Deny does not and the agent gets the reason, no answer within the timeout denies, and a revoke during a
 * long move stops the robot at once and refuses the agent's next motion call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ConsoleSession } from '../../src/main/console/host';
import { join } from 'node:path';
import { SHOTS, showPanel, startConsoleRig, type ConsoleRig } from './harness';

const DEVICE = 'reachy-mini-1';
const ASK_TIMEOUT_S = 4;

interface Reply { isError: boolean; body: { success: boolean; error?: string; result?: Record<string, unknown> } }

describe('Agents panel: the operator approves, denies and revokes an agent (browser mode, Chromium)', () => {
  let rig: ConsoleRig;
  let session: ConsoleSession;
  let agent: Client;
  let frameId = 1;

  const consoleCall = async (method: string, params: unknown): Promise<unknown> => {
    const r = await session.handle({ id: frameId++, method, params });
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result;
  };
  const invoke = async (fn: string, args: Record<string, unknown>): Promise<Reply> => {
    const r = (await agent.callTool(
      { name: 'invoke_device', arguments: { device_id: DEVICE, function: fn, arguments: JSON.stringify(args) } },
      undefined,
      { timeout: 60_000 },
    )) as { isError?: boolean; content: Array<{ text: string }> };
    return { isError: r.isError === true, body: JSON.parse(r.content[0].text) };
  };
  /** The head's yaw in the world frame, from the driver's view of the simulator's state. */
  const headYaw = async (): Promise<number> => {
    const o = await rig.host.invoke(DEVICE, 'get_joints', {}, 5000);
    return (o.result as { head_pose: { rpy_deg: { yaw: number } } }).head_pose.rpy_deg.yaw;
  };

  beforeAll(async () => {
    rig = await startConsoleRig();
    session = rig.host.openSession(() => undefined);
    const st = (await consoleCall('mcpStart', { port: 0, askTimeoutS: ASK_TIMEOUT_S })) as { url: string; supervision: { motion: string } };
    expect(st.supervision.motion).toBe('ask');
    agent = new Client({ name: 'claude-e2e', version: '1' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(st.url)));
  }, 120_000);
  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    session?.close();
    await rig?.close();
  });

  it('shows the pending call with its target; Approve moves the robot, Deny does not and the agent gets the reason; a timeout denies', async () => {
    const { page } = rig;
    await page.getByTestId('preset-Agent').click();
    await showPanel(page, 'Agents');
    const panel = page.getByTestId('agents-panel');
    const start = await headYaw();

    const approved = invoke('look_at_world', { yaw: 20, pitch: 0, duration_s: 0.5, wait: true });
    const card = page.getByTestId('agent-pending');
    await card.waitFor({ timeout: 15_000 });
    await panel.scrollIntoViewIfNeeded();
    expect(await card.getByTestId('agent-pending-agent').textContent()).toBe('claude-e2e');
    expect(await card.getByTestId('agent-pending-function').textContent()).toBe('look_at_world');
    expect(await card.getByTestId('agent-pending-target').textContent()).toBe('target: yaw 20°, pitch 0°, duration 0.50 s');
    // Drawn on a top view of the robot: the predicted heading, 20° to the left.
    expect(await card.getByTestId('agent-pending-ray').getAttribute('data-deg')).toBe('20.0');
    await panel.screenshot({ path: join(SHOTS, 'agents-pending.png') });
    // Nothing moved while the operator thinks.
    expect(await headYaw()).toBeCloseTo(start, 0);
    await card.getByTestId('agent-approve').click();
    const a = await approved;
    expect(a.body.success).toBe(true);
    await expect.poll(headYaw, { timeout: 10_000, interval: 200 }).toBeCloseTo(20, 0);
    await expect.poll(async () => page.getByTestId('agent-pending').count()).toBe(0);

    const denied = invoke('look_at_world', { yaw: -20, duration_s: 0.5 });
    await page.getByTestId('agent-pending').waitFor({ timeout: 15_000 });
    await page.getByTestId('agent-deny-reason').fill('a person is standing there');
    await page.getByTestId('agent-deny').click();
    const d = await denied;
    expect(d).toEqual({ isError: true, body: { success: false, error: 'denied by the operator: a person is standing there' } });
    await new Promise((r) => setTimeout(r, 700));
    expect(await headYaw()).toBeCloseTo(20, 0);

    const late = await invoke('look_at_world', { yaw: 0, duration_s: 0.5 });
    expect(late.body.error).toBe(`denied by the operator: no answer within ${ASK_TIMEOUT_S} s`);
    expect(await headYaw()).toBeCloseTo(20, 0);

    // The timeline shows every call with its decision, in order; the ownership panel names the agent's identity.
    const decisions = await page.getByTestId('agent-timeline-decision').allTextContents();
    expect(decisions.filter((t) => /^(approved|denied)/.test(t)).map((t) => t.replace(/(the operator|timeout).*$/, '$1'))).toEqual([
      'approved by the operator',
      'denied by the operator',
      'denied by timeout',
    ]);
    expect(await page.getByTestId('agent-identity').first().textContent()).toBe('agent:claude-e2e');
    await panel.screenshot({ path: join(SHOTS, 'agents-timeline.png') });
  }, 120_000);

  it('revoke during a long move stops the robot within 0.5 s and refuses the next motion call', async () => {
    const { page } = rig;
    const from = await headYaw();
    const long = invoke('look_at_world', { yaw: -30, duration_s: 8 });
    await page.getByTestId('agent-pending').waitFor({ timeout: 15_000 });
    await page.getByTestId('agent-allow-minutes').click();
    expect((await long).body.success).toBe(true);
    // Moving: the yaw has left its start.
    await expect.poll(headYaw, { timeout: 10_000, interval: 100 }).toBeLessThan(from - 3);
    expect(await page.getByTestId('lease-owner').textContent()).toBe('agent:claude-e2e');

    await page.getByTestId('agent-revoke-claude-e2e').click();
    const clicked = Date.now();
    await page.getByTestId('agent-revoked').waitFor({ timeout: 5000 });
    const at = await headYaw();
    const waited = 500 - (Date.now() - clicked);
    if (waited > 0) await new Promise((r) => setTimeout(r, waited));
    const afterHalf = await headYaw();
    await new Promise((r) => setTimeout(r, 1500));
    const later = await headYaw();
    // Stopped: no further motion after the first half second, far from the -30° target.
    expect(Math.abs(later - afterHalf)).toBeLessThan(0.5);
    expect(later).toBeGreaterThan(-25);
    expect(Math.abs(at - later)).toBeLessThan(3);

    const next = await invoke('look_at_world', { yaw: 10, duration_s: 0.5 });
    expect(next.isError).toBe(true);
    expect(next.body.error).toMatch(/^denied by the operator: revoked in the console/);
    expect(await page.getByTestId('agent-pending').count()).toBe(0);
    // Stopping is never refused.
    expect((await invoke('stop_motion', {})).body.success).toBe(true);

    // Restore, then the keyboard shortcut (Alt+Shift+R) revokes every agent during a move just the same.
    await page.getByTestId('agent-restore-claude-e2e').click();
    await page.getByTestId('agent-revoke-claude-e2e').waitFor({ timeout: 5000 });
    const from2 = await headYaw();
    const again = invoke('look_at_world', { yaw: 25, duration_s: 8 });
    await page.getByTestId('agent-pending').waitFor({ timeout: 15_000 });
    await page.getByTestId('agent-approve').click();
    expect((await again).body.success).toBe(true);
    await expect.poll(headYaw, { timeout: 10_000, interval: 100 }).toBeGreaterThan(from2 + 3);
    await page.keyboard.press('Alt+Shift+R');
    await page.getByTestId('agent-revoked').waitFor({ timeout: 5000 });
    await new Promise((r) => setTimeout(r, 500));
    const held = await headYaw();
    await new Promise((r) => setTimeout(r, 1000));
    expect(Math.abs((await headYaw()) - held)).toBeLessThan(0.5);
    expect(held).toBeLessThan(20);
  }, 120_000);
});
