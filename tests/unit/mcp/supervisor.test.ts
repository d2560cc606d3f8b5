/**
 * Supervised agents: policy per function class (from labels), guard rails refused before the mesh with the rule
 * named, asking the console (approve / deny / timeout / N-minute grant), revoke, identity and the timeline.
 * A labelled fake robot records every call that reaches it, so "nothing reached the device" is checked directly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLocalMesh, createMeshClient, defineFunction, DeviceRuntime, type MeshClient } from '../../../src/main/mesh';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { BridgeTools } from '../../../src/main/mcp/tools';
import { Policy, PolicyError, STDIO_DEFAULTS, CONSOLE_DEFAULTS, classOf, parsePolicy, policyFromFlags } from '../../../src/main/mcp/policy';
import { Supervisor } from '../../../src/main/mcp/supervisor';
import type { AgentsPush } from '../../../src/shared/console-api/agents';

setStderrLogging(false);

interface Seen { fn: string; params: Record<string, unknown>; source?: string }

function createRobot(connection: ReturnType<ReturnType<typeof createLocalMesh>['connect']>, seen: Seen[]): DeviceRuntime {
  const motion = { access: 'motion', group: 'motion' };
  const rec = (fn: string) => (params: Record<string, unknown>, ctx: { sourceDevice?: string }) => {
    seen.push({ fn, params, source: ctx.sourceDevice });
    return { status: 'accepted', owner: params.owner ?? null };
  };
  return new DeviceRuntime({
    connection,
    deviceId: 'bot-1',
    deviceType: 'reachy_mini',
    description: 'labelled fake robot',
    registerJitterMs: 0,
    functions: [
      defineFunction({ name: 'get_status', description: 'status', labels: { access: 'read', group: 'state' }, params: z.object({}), handler: (p, c) => rec('get_status')(p, c) }),
      defineFunction({
        name: 'point_head',
        description: 'move',
        labels: motion,
        params: z.object({ yaw: z.number().default(0), pitch: z.number().default(0), owner: z.string().default('agent') }),
        handler: (p, c) => rec('point_head')(p, c),
      }),
      defineFunction({ name: 'turn_body', description: 'move', labels: motion, params: z.object({ yaw_deg: z.number(), owner: z.string().default('agent') }), handler: (p, c) => rec('turn_body')(p, c) }),
      defineFunction({ name: 'halt', description: 'stop', labels: { access: 'motion', stop: 'true' }, params: z.object({ owner: z.string().default('agent'), reason: z.string().optional() }), handler: (p, c) => rec('halt')(p, c) }),
      defineFunction({ name: 'release_lease', description: 'lease', labels: { access: 'control' }, params: z.object({ owner: z.string() }), handler: (p, c) => rec('release_lease')(p, c) }),
      defineFunction({ name: 'snap', description: 'camera', labels: { access: 'read', group: 'media' }, params: z.object({}), handler: (p, c) => rec('snap')(p, c) }),
      defineFunction({
        name: 'frame',
        description: 'camera frame',
        labels: { access: 'read', group: 'media', result: 'image' },
        params: z.object({}),
        handler: () => ({ format: 'jpeg', width: 1, height: 1, data_b64: '/9j/AA==' }),
      }),
    ],
  });
}

describe('function classes come from labels', () => {
  it('classifies stop, media, observe, control and motion; unlabelled counts as motion', () => {
    expect(classOf({ access: 'motion', stop: 'true' })).toBe('stop');
    expect(classOf({ access: 'read', group: 'media' })).toBe('media');
    expect(classOf({ access: 'read' })).toBe('observe');
    expect(classOf({ access: 'control' })).toBe('control');
    expect(classOf({ access: 'motion' })).toBe('motion');
    expect(classOf(null)).toBe('motion');
  });
});

describe('policy file and flags', () => {
  it('names the bad field of a policy file', () => {
    expect(() => parsePolicy('agents:\n  claude:\n    motion: maybe\n', 'p.yaml')).toThrow(/p\.yaml: agents\.claude\.motion: must be allow, ask or deny \(got "maybe"\)/);
    expect(() => parsePolicy('default:\n  guard:\n    motion_rate: { calls: 0, per_s: 1 }\n', 'p.yaml')).toThrow(/default\.guard\.motion_rate\.calls/);
    expect(() => parsePolicy('default:\n  guard:\n    envelope: { point_head: { yaw: [30, -30] } }\n', 'p.yaml')).toThrow(/envelope\.point_head\.yaw.*min must not be above max/);
    expect(() => parsePolicy('defaults: {}\n', 'p.yaml')).toThrow(/p\.yaml: .*defaults/);
    expect(() => policyFromFlags({ motion: 'sometimes' })).toThrow(PolicyError);
    expect(() => policyFromFlags({ motion: 'sometimes' })).toThrow(/--motion: must be allow, ask or deny/);
  });

  it("accepts the README's example policy file as documented", async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Letting Claude drive, safely'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const p = new Policy(parsePolicy(yaml, 'README'), STDIO_DEFAULTS);
    expect(p.resolve('claude', 'reachy-mini-2', 'motion').decision).toBe('deny');
    expect(p.resolve('someone', 'reachy-mini-1', 'media').decision).toBe('deny');
    expect(p.guard('claude', 'reachy-mini-1')).toMatchObject({ envelope: { set_body_yaw: 'deny', look_at_world: { yaw: [-30, 30] } }, motion_budget: 100, media: false });
    expect(p.askTimeoutMs).toBe(60_000);
  });

  it('resolves agent-on-robot > agent > robot > flag > file default > built-in default', () => {
    const file = parsePolicy(
      'default: { motion: deny }\nrobots:\n  bot-1: { media: deny }\nagents:\n  claude:\n    motion: ask\n    robots:\n      bot-2: { motion: allow }\n',
    );
    const p = new Policy(file, STDIO_DEFAULTS, { control: 'ask' });
    expect(p.resolve('claude', 'bot-1', 'motion').decision).toBe('ask');
    expect(p.resolve('claude', 'bot-2', 'motion').decision).toBe('allow');
    expect(p.resolve('other', 'bot-1', 'motion')).toEqual({ decision: 'deny', source: 'policy default.motion' });
    expect(p.resolve('other', 'bot-1', 'media').decision).toBe('deny');
    expect(p.resolve('other', 'bot-9', 'control').decision).toBe('ask');
    expect(new Policy(parsePolicy(''), CONSOLE_DEFAULTS).resolve('x', 'y', 'motion').decision).toBe('ask');
    expect(new Policy(parsePolicy(''), STDIO_DEFAULTS).resolve('x', 'y', 'motion').decision).toBe('allow');
  });
});

describe('supervised bridge tools', () => {
  let rt: DeviceRuntime;
  let client: MeshClient;
  let seen: Seen[];
  let tools: BridgeTools;
  let sup: Supervisor;
  let pushes: AgentsPush[];

  const setup = (yaml: string, base = STDIO_DEFAULTS, consoleAttached = false): void => {
    sup = new Supervisor({
      policy: new Policy(parsePolicy(yaml), base),
      logger: createLogger('test'),
      mesh: () => client,
      consoleAttached,
      catalogue: async (id) => (await tools.findDevice(id))?.functions ?? [],
    });
    pushes = [];
    sup.onPush((p) => pushes.push(p));
    tools = new BridgeTools({ mesh: () => client, logger: createLogger('test'), requestTimeoutMs: 5000, supervisor: sup });
  };
  const invoke = async (fn: string, args: Record<string, unknown> = {}, agent = 'claude') => {
    const r = await tools.invokeDevice({ device_id: 'bot-1', function: fn, arguments: JSON.stringify(args) }, { agent });
    return { isError: r.isError, body: JSON.parse(r.text) as { success: boolean; error?: string; result?: Record<string, unknown> } };
  };
  const reached = (fn: string): number => seen.filter((s) => s.fn === fn).length;

  beforeEach(async () => {
    const mesh = createLocalMesh();
    seen = [];
    rt = createRobot(mesh.connect(), seen);
    await rt.start();
    client = createMeshClient({ connection: mesh.connect(), discoveryWaitMs: 200 });
  });
  afterEach(async () => {
    sup?.close();
    tools?.close();
    await client.close();
    await rt.stop();
  });

  it('refuses a call outside the envelope, naming the rule, and nothing reaches the robot', async () => {
    setup('default:\n  guard:\n    envelope:\n      point_head: { yaw: [-30, 30] }\n      turn_body: deny\n');
    const out = await invoke('point_head', { yaw: 40 });
    expect(out.isError).toBe(true);
    expect(out.body.error).toBe("refused by guard rail guard.envelope.point_head.yaw: yaw=40 is outside agent claude's envelope [-30, 30]");
    const body = await invoke('turn_body', { yaw_deg: 5 });
    expect(body.body.error).toMatch(/^refused by guard rail guard\.envelope\.turn_body: turn_body is not allowed/);
    expect(reached('point_head') + reached('turn_body')).toBe(0);
    const inside = await invoke('point_head', { yaw: 25 });
    expect(inside.body.success).toBe(true);
    expect(reached('point_head')).toBe(1);
  });

  it('refuses motion over the rate limit and over the session budget, naming the rule', async () => {
    setup('agents:\n  claude:\n    guard:\n      motion_rate: { calls: 2, per_s: 60 }\n  gemini:\n    guard:\n      motion_budget: 1\n');
    expect((await invoke('point_head', { yaw: 1 })).body.success).toBe(true);
    expect((await invoke('point_head', { yaw: 2 })).body.success).toBe(true);
    const third = await invoke('point_head', { yaw: 3 });
    expect(third.body.error).toMatch(/^refused by guard rail guard\.motion_rate: at most 2 motion calls per 60 s for agent claude; try again in/);
    // Observing is not motion: not limited.
    expect((await invoke('get_status')).body.success).toBe(true);
    expect(reached('point_head')).toBe(2);

    expect((await invoke('point_head', { yaw: 1 }, 'gemini')).body.success).toBe(true);
    const over = await invoke('point_head', { yaw: 1 }, 'gemini');
    expect(over.body.error).toBe('refused by guard rail guard.motion_budget: agent gemini has used its 1 motion calls for this session');
    expect(reached('point_head')).toBe(3);
    // A stop is never limited.
    expect((await invoke('halt', {}, 'gemini')).body.success).toBe(true);
  });

  it('media off refuses media functions; deny names the policy; identity is the owner and source device', async () => {
    setup('agents:\n  claude:\n    control: deny\n    guard: { media: false }\n');
    const snap = await invoke('snap');
    expect(snap.body.error).toBe('refused by guard rail guard.media: media (camera, microphone, speaker) is off for agent claude');
    const lease = await invoke('release_lease', { owner: 'operator' });
    expect(lease.body.error).toBe('denied by policy: control calls are denied for agent claude on bot-1 (policy agents.claude.control)');
    expect(reached('snap') + reached('release_lease')).toBe(0);
    // The agent cannot pose as the operator: its owner is its identity.
    await invoke('point_head', { yaw: 1, owner: 'operator' });
    expect(seen.at(-1)).toMatchObject({ fn: 'point_head', params: { owner: 'agent:claude' }, source: 'agent:claude' });
  });

  it('ask with the console attached: approve runs the call, deny returns the reason, a timeout denies', async () => {
    setup('ask_timeout_s: 1\n', CONSOLE_DEFAULTS, true);
    const approved = invoke('point_head', { yaw: 12 });
    await expect.poll(() => sup.listPending().length).toBe(1);
    const p = sup.listPending()[0];
    expect(p).toMatchObject({ agent: 'claude', function: 'point_head', target: { yaw: 12 }, class: 'motion' });
    expect(reached('point_head')).toBe(0);
    sup.decide(p.id, { approve: true, by: 'operator' });
    expect((await approved).body.success).toBe(true);
    expect(reached('point_head')).toBe(1);

    const denied = invoke('point_head', { yaw: 20 });
    await expect.poll(() => sup.listPending().length).toBe(1);
    sup.decide(sup.listPending()[0].id, { approve: false, reason: 'too close to the cup' });
    const d = await denied;
    expect(d).toEqual({ isError: true, body: { success: false, error: 'denied by the operator: too close to the cup' } });

    const t0 = Date.now();
    const late = await invoke('point_head', { yaw: 5 });
    expect(late.body.error).toBe('denied by the operator: no answer within 1 s');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(reached('point_head')).toBe(1);
    // Stop and observe are never asked.
    expect((await invoke('halt')).body.success).toBe(true);
    expect((await invoke('get_status')).body.success).toBe(true);

    const tl = sup.recentTimeline();
    expect(tl.filter((e) => e.function === 'point_head').map((e) => [e.decision, e.decided_by ?? null])).toEqual([
      ['approved', 'operator'],
      ['denied', 'the operator'],
      ['denied', 'timeout'],
    ]);
    expect(tl[0].result).toMatchObject({ ok: true });
    expect(pushes.some((x) => x.kind === 'pending')).toBe(true);
  });

  it('the timeline keeps each call in order with its decision, result and the image the agent saw', async () => {
    setup('');
    await invoke('get_status');
    await invoke('frame');
    await invoke('point_head', { yaw: 2 });
    const tl = sup.recentTimeline();
    expect(tl.map((e) => [e.function, e.class, e.decision, e.result?.ok])).toEqual([
      ['get_status', 'observe', 'allowed', true],
      ['frame', 'media', 'allowed', true],
      ['point_head', 'motion', 'allowed', true],
    ]);
    expect(tl[1].image).toEqual({ data: '/9j/AA==', mimeType: 'image/jpeg' });
    expect(tl[2].arguments).toEqual({ yaw: 2 });
  });

  it('an approval does not lift a guard rail that filled up while the question was open', async () => {
    setup('default:\n  guard:\n    motion_budget: 1\n', CONSOLE_DEFAULTS, true);
    const first = invoke('point_head', { yaw: 1 });
    const second = invoke('point_head', { yaw: 2 });
    await expect.poll(() => sup.listPending().length).toBe(2);
    for (const p of sup.listPending()) sup.decide(p.id, { approve: true });
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.body.success)).toEqual([true, false]);
    expect(results[1].body.error).toBe('refused by guard rail guard.motion_budget: agent claude has used its 1 motion calls for this session');
    expect(reached('point_head')).toBe(1);
  });

  it('"allow motion for N minutes" lets the next motion calls through without asking', async () => {
    setup('', CONSOLE_DEFAULTS, true);
    const first = invoke('point_head', { yaw: 1 });
    await expect.poll(() => sup.listPending().length).toBe(1);
    sup.decide(sup.listPending()[0].id, { approve: true, allowMinutes: 5 });
    expect((await first).body.success).toBe(true);
    expect((await invoke('point_head', { yaw: 2 })).body.success).toBe(true);
    expect(sup.listPending()).toEqual([]);
    expect(sup.recentTimeline().at(-1)?.reason).toMatch(/^allowed by the operator's grant until/);
  });

  it('revoke stops the robots the agent moved, releases its lease and refuses its next motion call', async () => {
    setup('');
    expect((await invoke('point_head', { yaw: 3 })).body.success).toBe(true);
    const r = await sup.revoke('claude', 'it kept looking at the stove');
    expect(r).toEqual({ stopped: ['bot-1'], errors: [] });
    expect(seen.slice(-2).map((s) => [s.fn, s.params.owner])).toEqual([
      ['halt', 'agent:claude'],
      ['release_lease', 'agent:claude'],
    ]);
    const next = await invoke('point_head', { yaw: 3 });
    expect(next.body.error).toBe('denied by the operator: it kept looking at the stove (this agent\'s motion rights were revoked by the operator)');
    expect(reached('point_head')).toBe(1);
    // It may still observe and stop; another agent is untouched.
    expect((await invoke('get_status')).body.success).toBe(true);
    expect((await invoke('halt')).body.success).toBe(true);
    expect((await invoke('point_head', { yaw: 3 }, 'other')).body.success).toBe(true);
    sup.restore('claude');
    expect((await invoke('point_head', { yaw: 4 })).body.success).toBe(true);
  });
});
