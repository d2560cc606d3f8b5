/**
 * Policy runs on the simulator: sim + driver on an in-process mesh, the demo policy server over each transport,
 * and the runner reaching the robot only through MeshClient.invoke.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addLogSink, setStderrLogging, type LogRecord } from '../../../src/main/log';
import { runFromConfig, startDemoPolicyServer, type DemoPolicyServer } from '../../../src/main/runner';
import { startSimStack, type SimStack as RunnerSimStack } from '../../../src/main/app/sim-stack';

let stack: RunnerSimStack;
let server: DemoPolicyServer;
const logs: LogRecord[] = [];
let unsink: () => void;

beforeAll(async () => {
  setStderrLogging(false);
  unsink = addLogSink((r) => logs.push(r));
  [stack, server] = await Promise.all([startSimStack({ wakeUp: false, stateHz: 0 }), startDemoPolicyServer()]);
});
afterAll(async () => {
  unsink();
  await server.close();
  await stack.close();
});
beforeEach(() => server.setFault({ kind: 'none' }));

const targets = (): Array<[string, Record<string, unknown>]> => [
  ['websocket', { kind: 'websocket', url: server.url, timeout_s: 10 }],
  ['http', { kind: 'http', url: server.httpUrl, timeout_s: 10 }],
  ['openpi', { kind: 'openpi', url: server.openpiUrl, timeout_s: 10 }],
];

const config = (target: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  max_steps: 5,
  target,
  hardware: { kind: 'reachy_mini', config: { device_id: stack.deviceId, hz: 50 } },
  max_chunk_age_s: 0, // a loaded CI machine must not turn slow replies into stale drops here
  ...extra,
});

const policyTargets = (): number => stack.sim.targetLog().filter((e) => e.kind === 'set_target').length;

describe.each(['websocket', 'http', 'openpi'])('%s transport on the simulator', (kind) => {
  const target = (): Record<string, unknown> => targets().find(([k]) => k === kind)![1];

  it('dry_run runs every step and never moves the robot', async () => {
    stack.sim.clearTargetLog();
    const before = await stack.mesh.invoke(stack.deviceId, 'get_joints', {});
    const r = await runFromConfig(config(target()), { mesh: () => stack.mesh });
    expect(r).toMatchObject({ steps: 5, appliedSteps: 0, safeStops: 0, errors: [], staleChunks: 0 });
    expect(r.lastActionChunk?.[0]).toHaveLength(9);
    expect(stack.sim.targetLog()).toEqual([]);
    const after = (await stack.mesh.invoke(stack.deviceId, 'get_joints', {})) as { head_pose: unknown };
    expect(after.head_pose).toEqual((before as { head_pose: unknown }).head_pose);
  });

  it('apply_actions moves the robot, and the counts add up', async () => {
    stack.sim.clearTargetLog();
    const r = await runFromConfig(config(target(), { mode: 'apply_actions', stop_on_error: false }), { mesh: () => stack.mesh });
    expect(r).toMatchObject({ steps: 5, appliedSteps: 5, safeStops: 0, errors: [], staleChunks: 0 });
    // 5 chunks of 5 rows, each row a realtime head target (the driver may coalesce a few at 60 Hz).
    expect(policyTargets()).toBeGreaterThanOrEqual(5);
    const status = (await stack.mesh.invoke(stack.deviceId, 'get_status', {})) as { driver_state: { lease_active?: boolean } };
    expect(status.driver_state.lease_active).toBe(false); // the lease was released at the end
  });

  it('a stalled policy server safe-stops the robot (stop_motion) and is counted', async () => {
    // A long smooth move is under way when the policy stalls: the safe stop must end it.
    await stack.mesh.invoke(stack.deviceId, 'look_at_world', { yaw: 20, pitch: 5, duration_s: 10, owner: 'policy' });
    server.setFault({ kind: 'stall' });
    logs.length = 0;
    const r = await runFromConfig(config(target(), { mode: 'apply_actions', stop_on_error: false, max_steps: 2, infer_timeout_s: 0.3 }), { mesh: () => stack.mesh });
    expect(r).toMatchObject({ steps: 2, appliedSteps: 0, safeStops: 2 });
    expect(r.errors[0]).toMatch(/transport_timeout/);
    expect(logs.some((l) => /stop_motion by 'policy'/.test(l.message))).toBe(true);
    const status = (await stack.mesh.invoke(stack.deviceId, 'get_status', {})) as { driver_state: { execution_state: string } };
    expect(status.driver_state.execution_state).toBe('idle');
  });

  it('a policy that answers errors safe-stops each step; stop_on_error ends the run at the first', async () => {
    server.setFault({ kind: 'error', message: 'weights not loaded' });
    const r1 = await runFromConfig(config(target(), { mode: 'apply_actions', stop_on_error: false, max_steps: 3 }), { mesh: () => stack.mesh });
    expect(r1).toMatchObject({ steps: 3, appliedSteps: 0, safeStops: 3 });
    expect(r1.errors.every((e) => /weights not loaded/.test(e))).toBe(true);
    const r2 = await runFromConfig(config(target(), { mode: 'apply_actions', stop_on_error: true, max_steps: 3 }), { mesh: () => stack.mesh });
    expect(r2).toMatchObject({ steps: 1, safeStops: 1, endReason: 'error' });
  });
});

describe('Reachy camera source', () => {
  it('feeds capture_video_frame images to the policy, which turns the head toward the brightest region', async () => {
    stack.sim.clearTargetLog();
    const before = server.stats().cues.brightest ?? 0;
    const j0 = (await stack.mesh.invoke(stack.deviceId, 'get_joints', {})) as { head_pose: { rpy_deg: { yaw: number } } };
    const r = await runFromConfig(
      { ...config({ kind: 'websocket', url: server.url }, { mode: 'apply_actions', max_steps: 3 }), cameras: { front: { kind: 'reachy', max_edge: 160 } } },
      { mesh: () => stack.mesh },
    );
    expect(r).toMatchObject({ steps: 3, appliedSteps: 3, errors: [] });
    expect((server.stats().cues.brightest ?? 0) - before).toBe(3);
    const j1 = (await stack.mesh.invoke(stack.deviceId, 'get_joints', {})) as { head_pose: { rpy_deg: { yaw: number } } };
    expect(Math.abs(j1.head_pose.rpy_deg.yaw - j0.head_pose.rpy_deg.yaw)).toBeGreaterThan(1);
  });
});

describe('Reachy connector limits', () => {
  it('an out-of-range action is refused before anything is sent, and counted as an error with a safe stop', async () => {
    const bad = await startDemoPolicyServer({ chunkLen: 2 });
    try {
      stack.sim.clearTargetLog();
      const r = await runFromConfig(
        {
          mode: 'apply_actions',
          max_steps: 1,
          stop_on_error: false,
          target: { kind: 'websocket', url: bad.url },
          // Only the pitch is driven by a 1-wide layout: feed it through a policy whose rows are 9 wide → refused.
          hardware: { kind: 'reachy_mini', config: { device_id: stack.deviceId, action_layout: ['head_pitch_deg'] } },
        },
        { mesh: () => stack.mesh },
      );
      expect(r).toMatchObject({ steps: 1, appliedSteps: 0, safeStops: 1 });
      expect(r.errors[0]).toMatch(/action row 0 has 9 values; the layout \[head_pitch_deg\] needs 1/);
      expect(stack.sim.targetLog()).toEqual([]);
    } finally {
      await bad.close();
    }
  });
});
