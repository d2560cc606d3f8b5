/**
 * `/ws/sdk` as the Python SDK uses it (docs/DAEMON.md §3.6, §16 A.3): state at 50 Hz, status at 1 Hz, commands without
 * replies, `task` gotos with `task_progress`, recording; and determinism of the whole stream for a seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headIk, identity4, poseToMat4 } from '../../../src/main/reachy/kinematics';
import { ManualClock, startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { post, waitFor, wsProbe } from './util';

const sdkUrl = (sim: Simulator) => sim.url.replace('http', 'ws') + '/ws/sdk';

describe('/ws/sdk in real time', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ mode: 'mockup' });
    await sim.ready();
  });
  afterAll(() => sim.stop());

  it('meets the Python SDK connection expectations: joint_positions and head_pose within 5 s, daemon_status flowing', async () => {
    const ws = wsProbe(sdkUrl(sim));
    const joints = await ws.next((m) => m.type === 'joint_positions', 5000);
    expect(joints.head_joint_positions).toHaveLength(7);
    expect(joints.antennas_joint_positions).toEqual([-3.05, 3.05]);
    const pose = await ws.next((m) => m.type === 'head_pose', 5000);
    expect((pose.head_pose as number[][]).map((r) => r.length)).toEqual([4, 4, 4, 4]);
    const imu = await ws.next((m) => m.type === 'imu_data', 5000);
    expect(Object.keys(imu).sort()).toEqual(['accelerometer', 'gyroscope', 'quaternion', 'temperature', 'type']);
    // get_status() clears the event after each read: a second status must follow.
    const first = await ws.next((m) => m.type === 'daemon_status', 5000);
    expect(first).toMatchObject({ robot_name: 'reachy_mini', state: 'running', version: '1.10.0' });
    const n = ws.messages.filter((m) => m.type === 'daemon_status').length;
    await ws.next((m) => m.type === 'daemon_status' && ws.messages.filter((x) => x.type === 'daemon_status').length > n, 5000);
    ws.close();
  });
});

describe('/ws/sdk with a manual clock', () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ mode: 'mockup', clock });
    clock.advance(20);
    await sim.ready();
  });
  afterAll(() => sim.stop());

  it('publishes joint_positions, head_pose and imu_data at 50 Hz and daemon_status at 1 Hz', async () => {
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    await clock.advanceAsync(1000);
    await waitFor(() => ws.messages.length >= 151);
    const count = (t: string) => ws.messages.filter((m) => m.type === t).length;
    expect([count('joint_positions'), count('head_pose'), count('imu_data'), count('daemon_status')]).toEqual([50, 50, 50, 1]);
    ws.close();
  });

  it('applies set_full_target / set_antennas / set_body_yaw without replying, and ignores junk', async () => {
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    sim.clearTargetLog();
    ws.send({ type: 'set_automatic_body_yaw', enabled: true });
    ws.send({ type: 'set_full_target', head: identity4(), antennas: [0.3, -0.3], body_yaw: 0.1 });
    ws.send('not json');
    ws.send({ type: 'warp_drive' });
    ws.send({ type: 'set_target', head: [1, 0] });
    ws.send({ type: 'set_antennas', antennas: [0.4, -0.4] });
    await waitFor(() => sim.targetLog().length >= 2);
    await clock.advanceAsync(20);
    expect(sim.state().antennas).toEqual([0.4, -0.4]);
    expect(sim.state().bodyYaw).toBeCloseTo(0.1, 12);
    expect(sim.targetLog().map((e) => e.source)).toEqual(['ws_sdk', 'ws_sdk']);
    expect(ws.messages.filter((m) => !['joint_positions', 'head_pose', 'imu_data', 'daemon_status'].includes(m.type as string))).toEqual([]);
    ws.close();
  });

  it('runs `task` gotos with the requested method and answers task_progress with the same uuid', async () => {
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    sim.clearTargetLog();
    const uuid = '3f2b7c1e-8a4d-4f7e-9a61-2b5c0d9e1f00';
    const head = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0.1, yaw: 0.4 });
    ws.send({ type: 'task', uuid, req: { head, antennas: [0, 0], duration: 1.0, method: 'cartoon', body_yaw: 0 }, timestamp: '2026-08-21T11:12:15.005000' });
    await waitFor(() => sim.targetLog().length === 1);
    expect(sim.targetLog()[0]).toMatchObject({ kind: 'goto', method: 'cartoon', durationS: 1, accepted: true });
    await clock.advanceAsync(1100);
    const done = await ws.next((m) => m.type === 'task_progress');
    expect(done).toMatchObject({ type: 'task_progress', uuid, finished: true, error: null });
    expect(done.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    sim.state().headPose.forEach((v, i) => expect(v).toBeCloseTo(head[i], 9));
    // A stopped task reports an error.
    const u2 = '3f2b7c1e-8a4d-4f7e-9a61-2b5c0d9e1f01';
    ws.send({ type: 'task', uuid: u2, req: { head: identity4(), antennas: null, duration: 5, method: 'linear', body_yaw: null } });
    await waitFor(() => sim.targetLog().length === 2);
    ws.send({ type: 'stop_move' });
    const stopped = await ws.next((m) => m.type === 'task_progress' && m.uuid === u2);
    expect(stopped).toMatchObject({ finished: true, error: 'Move cancelled' });
    ws.close();
  });

  it('set_head_joints moves the head to the pose those joints hold', async () => {
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    const target = poseToMat4({ x: 0.004, y: 0, z: -0.01, roll: 0.05, pitch: 0.2, yaw: -0.3 });
    const joints = headIk(target, 0, true).joints;
    sim.clearTargetLog();
    ws.send({ type: 'set_head_joints', joints });
    await waitFor(() => sim.targetLog().length === 1);
    await clock.advanceAsync(20);
    sim.state().joints.forEach((v, i) => expect(v).toBeCloseTo(joints[i], 9));
    sim.state().headPose.forEach((v, i) => expect(v).toBeCloseTo(target[i], 9));
    ws.close();
  });

  it('records and returns recorded_data', async () => {
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    ws.send({ type: 'start_recording' });
    ws.send({ type: 'append_record', record: { time: 1.5, body_yaw: 0, antennas: [0.1, -0.1] } });
    ws.send({ type: 'stop_recording' });
    const rec = await ws.next((m) => m.type === 'recorded_data');
    expect(rec.data).toEqual([{ time: 1.5, body_yaw: 0, antennas: [0.1, -0.1] }]);
    ws.close();
  });
});

describe('determinism', () => {
  async function run(seed: number): Promise<string> {
    const clock = new ManualClock();
    const sim = await startSimulator({ mode: 'robot', clock, seed });
    clock.advance(20);
    await sim.ready();
    const ws = wsProbe(sdkUrl(sim));
    await ws.opened;
    const frames = (): number => ws.messages.length;
    await post(sim.url, '/api/move/play/wake_up');
    await clock.advanceAsync(2000);
    await post(sim.url, '/api/move/set_target', { target_head_pose: { yaw: 0.6, pitch: -0.1 }, target_antennas: [0.5, 0.2] });
    await clock.advanceAsync(1000);
    await post(sim.url, '/api/move/goto', { head_pose: { roll: 0.2 }, body_yaw: -0.4, duration: 0.7 });
    await clock.advanceAsync(1000);
    // 4 s of 50 Hz state (3 types) + 4 status frames.
    await waitFor(() => frames() >= 604);
    const stream = JSON.stringify(ws.messages);
    ws.close();
    await sim.stop();
    return stream;
  }

  it('two runs with the same seed and clock steps produce identical /ws/sdk streams', async () => {
    const a = await run(42);
    const b = await run(42);
    expect(a.length).toBeGreaterThan(10_000);
    expect(a).toBe(b);
    expect(await run(43)).not.toBe(a);
  });
});
