/**
 * The driver over a real nats-server with the real simulator, invoked the way agents do (MeshClient.invoke).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { DeviceRuntime } from '../../../src/main/mesh';
import { MeshError, type MeshClient } from '../../../src/main/mesh/types';
import type { MeshEvent } from '../../../src/shared/wire';
import { rad2deg, yawOf, mat4ToPose } from '../../../src/shared/kinematics';
import { LIMITS } from '../../../src/shared/reachy';
import { startStack, sleep, until, type Stack } from './stack';

const ID = 'reachy-nats-1';
type R = Record<string, unknown>;

let nats: NatsServerHandle;
let s: Stack;
let c: MeshClient;
const invoke = (fn: string, params: R = {}) => c.invoke(ID, fn, params) as Promise<R>;
const status = async () => (await invoke('get_status')).driver_state as R;

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MeshError);
    return e as MeshError;
  }
  throw new Error('expected a rejection');
}

/** Every target the sim received is inside the driver's limits. */
function assertSimTargetsInLimits(sim: Stack['sim']): number {
  let n = 0;
  for (const e of sim.targetLog()) {
    if (e.kind !== 'set_target' && e.kind !== 'goto') continue;
    n++;
    const body = e.bodyYaw ?? null;
    if (e.head) {
      const p = mat4ToPose(e.head);
      expect(Math.abs(rad2deg(p.pitch))).toBeLessThanOrEqual(30 + 1e-6);
      expect(Math.abs(rad2deg(p.roll))).toBeLessThanOrEqual(30 + 1e-6);
      for (const v of [p.x, p.y, p.z]) expect(Math.abs(v * 1000)).toBeLessThanOrEqual(50 + 1e-6);
    }
    if (body !== null) expect(Math.abs(rad2deg(body))).toBeLessThanOrEqual(160 + 1e-6);
    if (e.antennas) for (const a of e.antennas) expect(Math.abs(rad2deg(a))).toBeLessThanOrEqual(80 + 1e-6);
    if (e.durationS !== undefined) expect(e.durationS).toBeLessThanOrEqual(30);
  }
  return n;
}

beforeAll(async () => {
  nats = await startNatsServer();
  s = await startStack({ natsUrl: nats.url, deviceId: ID, stateHz: 20 });
  c = s.client;
  await invoke('wake_up', { wait: true });
}, 60_000);

afterAll(async () => {
  await s?.close();
  await nats?.stop();
});

describe('reachy driver over NATS', () => {
  it('is listed as a reachy_mini with the whole function table', async () => {
    const d = await until(() => c.getDevice(ID));
    expect(d.device_type).toBe('reachy_mini');
    expect(d.identity).toMatchObject({ manufacturer: 'Pollen Robotics', model: 'Reachy Mini' });
    const names = d.functions.map((f) => f.name);
    for (const n of ['get_status', 'get_joints', 'get_imu', 'get_body_yaw', 'look_at_world', 'set_body_yaw', 'antenna_pose',
      'goto_sleep', 'wake_up', 'stop_motion', 'acquire_lease', 'release_lease', 'reset_interlock']) expect(names).toContain(n);
    const look = d.functions.find((f) => f.name === 'look_at_world')!;
    expect(look.parameters.properties.pitch).toMatchObject({ type: 'number', minimum: -30, maximum: 30 });
    expect(look.labels).toMatchObject({ group: 'motion', access: 'motion' });
    expect(d.functions.find((f) => f.name === 'get_joints')?.labels).toMatchObject({ group: 'state', access: 'read' });
    expect(d.events.map((e) => e.name)).toEqual(expect.arrayContaining(['audio_event', 'motion_event', 'safety_event', 'state_event']));
  });

  it('state reads return the prior shapes with observed values', async () => {
    // The sim pushes daemon_status about once a second: once one has arrived, status reads answer from it.
    await until(async () => (await invoke('get_status')).source === 'mirror', 5000);
    const st = await invoke('get_status');
    expect((st.daemon as R).robot_name).toBe('reachy_mini');
    expect((st.daemon as R).state).toBe('running');
    expect(st).toMatchObject({ source: 'mirror', link: { status: 'connected' } });
    expect(st.driver_state).toMatchObject({ interlock_state: 'safe', execution_state: 'idle' });
    const verbose = await invoke('get_status', { verbose: true });
    expect((verbose.daemon as R).camera_specs_name).toBeDefined();
    const j = await invoke('get_joints');
    expect(j).toMatchObject({ status: 'success', source: 'mirror' });
    expect((j.head_degrees as number[]).length).toBe(7);
    expect((j.antenna_degrees as number[]).length).toBe(2);
    const imu = await invoke('get_imu');
    expect(imu.status).toBe('success');
    expect((imu.imu as R).quaternion).toHaveLength(4);
    const by = await invoke('get_body_yaw');
    expect(by).toMatchObject({ status: 'success' });
    expect(typeof by.yaw_deg).toBe('number');
  });

  it('an interpolated look reports moving, then idle, and the observed pose matches the target', async () => {
    const r = await invoke('look_at_world', { pitch: 10, yaw: 20, roll: -5, z_mm: 5, duration_s: 0.6 });
    expect(r).toMatchObject({ status: 'accepted', execution: 'moving', transport: 'goto' });
    expect((await status()).execution_state).toBe('moving');
    await until(async () => (await status()).execution_state === 'idle', 5000);
    const j = await invoke('get_joints');
    const hp = j.head_pose as { rpy_deg: R; xyz_mm: R };
    expect(hp.rpy_deg.pitch as number).toBeCloseTo(10, 0);
    expect(hp.rpy_deg.yaw as number).toBeCloseTo(20, 0);
    expect(hp.rpy_deg.roll as number).toBeCloseTo(-5, 0);
    expect(hp.xyz_mm.z as number).toBeCloseTo(5, 0);
  });

  it('frame "body" is relative to the body; a new command preempts a running move', async () => {
    await invoke('set_body_yaw', { yaw_deg: 50, duration_s: 0.3, wait: true });
    const r = await invoke('look_at_world', { yaw: 20, frame: 'body', duration_s: 0.3, wait: true });
    expect((r.target as R).world_yaw_deg as number).toBeCloseTo(70, 0);
    expect(rad2deg(yawOf(s.sim.state().headPose))).toBeCloseTo(70, 0);
    const long = invoke('look_at_world', { yaw: 0, frame: 'body', duration_s: 1, wait: true });
    await sleep(150);
    // The daemon would ignore a realtime target while the move runs; the driver stops the move first.
    const rt = await invoke('look_at_world', { yaw: 10, frame: 'body' });
    expect(rt.status).toBe('accepted');
    expect(await long).toMatchObject({ status: 'cancelled', details: expect.stringMatching(/preempted by look_at_world/) });
    await until(() => Math.abs(rad2deg(yawOf(s.sim.state().headPose)) - 60) < 0.5);
    await invoke('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
  });

  it('wait=true replies after completion with the observed pose', async () => {
    const r = await invoke('look_at_world', { pitch: -10, duration_s: 0.3, wait: true });
    expect(r).toMatchObject({ status: 'completed', execution: 'idle' });
    expect(((r.observed as R).head_pose as { rpy_deg: R }).rpy_deg.pitch as number).toBeCloseTo(-10, 0);
  });

  it('realtime look, antennas and body yaw reach the robot', async () => {
    await invoke('look_at_world', { yaw: -15 });
    await invoke('antenna_pose', { left: 30, right: -20 });
    await until(() => Math.abs(rad2deg(yawOf(s.sim.state().headPose)) + 15) < 0.5);
    await until(() => Math.abs(rad2deg(s.sim.state().antennas[1]) - 30) < 0.5 && Math.abs(rad2deg(s.sim.state().antennas[0]) + 20) < 0.5);
    // The body turns and carries the head (its yaw relative to the body is kept).
    const r = await invoke('set_body_yaw', { yaw_deg: 40, duration_s: 0.4, wait: true });
    expect(r.status).toBe('completed');
    const by = await invoke('get_body_yaw');
    expect(by.yaw_deg as number).toBeCloseTo(40, 0);
    const headYaw = rad2deg(yawOf(s.sim.state().headPose));
    expect(headYaw - 40).toBeCloseTo(-15, 0);
    // Realtime body turn back, head held in the room.
    await invoke('set_body_yaw', { yaw_deg: 10, head: 'hold' });
    await until(() => Math.abs(rad2deg(s.sim.state().bodyYaw) - 10) < 0.5);
    expect(rad2deg(yawOf(s.sim.state().headPose))).toBeCloseTo(25, 0);
  });

  it('rejects out-of-range values with -32000 naming field and range, and nothing out of range reaches the robot', async () => {
    s.sim.clearTargetLog();
    const cases: Array<[string, R, RegExp]> = [
      ['look_at_world', { pitch: 40 }, /pitch=40 outside safe range \[-30, 30\]/],
      ['look_at_world', { roll: -31 }, /roll=-31 outside safe range \[-30, 30\]/],
      ['look_at_world', { yaw: 46 }, /yaw=46 outside safe range \[-45, 45\]/],
      ['look_at_world', { z_mm: 60 }, /z_mm=60 outside safe range \[-50, 50\]/],
      ['look_at_world', { duration_s: 31 }, /duration_s=31 outside safe range \[0, 30\]/],
      ['set_body_yaw', { yaw_deg: 170 }, /yaw_deg=170 outside safe range \[-160, 160\]/],
      ['antenna_pose', { left: 90 }, /left=90 outside safe range \[-80, 80\]/],
      ['look_at_world', { pitch: 'x' }, /pitch/],
      ['look_at_world', { bogus: 1 }, /bogus/],
    ];
    for (const [fn, params, re] of cases) {
      const e = await rejection(invoke(fn, params));
      expect(e.code).toBe('device_error');
      expect(e.details.rpcCode).toBe(-32000);
      expect(e.message).toMatch(re);
    }
    // Head–body rule against the body yaw the robot holds (30°): world yaw -40 would be 70° away → refused, naming
    // both angles.
    await invoke('set_body_yaw', { yaw_deg: 30, duration_s: 0.3, wait: true });
    const e = await rejection(invoke('look_at_world', { yaw: -40 }));
    expect(e.message).toMatch(/head heading -40° would be -70° from the body yaw 30°: head_body_yaw_diff_deg=-70 outside safe range \[-65, 65\]/);
    // Hold would leave the head too far from the body.
    const e2 = await rejection(invoke('set_body_yaw', { yaw_deg: 150, head: 'hold' }));
    expect(e2.message).toMatch(/outside safe range \[-65, 65\]/);
    const st = await status();
    expect(st.last_error).toMatch(/outside safe range/);
    const n = assertSimTargetsInLimits(s.sim);
    expect(n).toBe(1); // only the accepted set_body_yaw goto arrived
    await invoke('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
  });

  it('enforces the lease between owners: refused while live, ok after release or expiry, preempt works', async () => {
    await invoke('release_lease', { owner: 'agent' });
    await invoke('acquire_lease', { owner: 'operator', ttl_s: 30 });
    const e = await rejection(invoke('look_at_world', { pitch: 5, owner: 'agent' }));
    expect(e.details.rpcCode).toBe(-32000);
    expect(e.message).toMatch(/held by 'operator' for another \d+\.\d s/);
    await invoke('look_at_world', { pitch: 5, owner: 'operator' });
    // stop_motion is accepted from anyone
    expect(await invoke('stop_motion', { owner: 'agent' })).toMatchObject({ status: 'accepted' });
    const rel = await rejection(invoke('release_lease', { owner: 'agent' }));
    expect(rel.message).toMatch(/held by 'operator'/);
    expect(await invoke('release_lease', { owner: 'operator' })).toMatchObject({ released: true });
    expect(await invoke('look_at_world', { pitch: 0, owner: 'agent' })).toMatchObject({ status: 'accepted' });
    // agent now holds the default 5 s lease; the operator preempts
    await rejection(invoke('acquire_lease', { owner: 'operator' }));
    const pre = await invoke('acquire_lease', { owner: 'operator', ttl_s: 0.4, preempt: true });
    expect(pre.preempted).toBe('agent');
    await rejection(invoke('antenna_pose', { owner: 'agent' }));
    await sleep(500);
    expect(await invoke('antenna_pose', { owner: 'agent' })).toMatchObject({ status: 'accepted' });
    await invoke('release_lease', { owner: 'agent' });
  });

  it('goto_sleep and wake_up track execution to completion', async () => {
    const r = await invoke('goto_sleep', { owner: 'agent' });
    expect(r).toMatchObject({ status: 'accepted', execution: 'moving' });
    await until(async () => (await status()).execution_state === 'idle', 15_000, 100);
    expect((await status()).asleep).toBe(true);
    expect((await invoke('antenna_pose', { left: 10, owner: 'agent' })).warning).toMatch(/asleep/);
    const w = await invoke('wake_up', { wait: true, owner: 'agent' });
    expect(w).toMatchObject({ status: 'completed', execution: 'idle' });
    expect((await status()).asleep).toBe(false);
    // Awake again: the head really follows targets.
    await invoke('look_at_world', { yaw: 12, owner: 'agent' });
    await until(() => Math.abs(rad2deg(yawOf(s.sim.state().headPose)) - 12) < 0.5);
    await invoke('release_lease', { owner: 'agent' });
  }, 30_000);

  it('an emergency_stop event from another mesh device trips the interlock until reset', async () => {
    const events: MeshEvent[] = [];
    const off = c.subscribe(ID, 'safety_event', (ev) => events.push(ev));
    const conn = await s.newConnection();
    const consoleDev = new DeviceRuntime({
      connection: conn,
      deviceId: 'test-console-1',
      deviceType: 'operator_console',
      description: 'test',
      functions: [],
    });
    await consoleDev.start();
    await sleep(100);
    // A long move is running when the E-STOP comes: the trip stops it.
    await invoke('look_at_world', { yaw: 30, duration_s: 5 });
    expect(await s.driver.daemon.runningMoves()).toHaveLength(1);
    consoleDev.emit('emergency_stop', { reason: 'operator pressed E-STOP', source: 'operator' });
    await until(() => events.find((e) => e.params.kind === 'interlock_tripped'));
    const trip = events.find((e) => e.params.kind === 'interlock_tripped')!;
    expect(trip.params).toMatchObject({ state: 'tripped', source: 'operator', from_device: 'test-console-1' });
    expect(trip.params.reason).toMatch(/operator pressed E-STOP/);
    expect(typeof trip.params.ts).toBe('string');
    await until(async () => (await s.driver.daemon.runningMoves()).length === 0, 2000);
    expect((await status()).execution_state).toBe('idle');
    const e = await rejection(invoke('look_at_world', { pitch: 1 }));
    expect(e.message).toMatch(/interlock tripped/);
    expect(await invoke('stop_motion')).toMatchObject({ status: 'accepted' });
    // Device Connect status follows the mirror: availability "error" while tripped.
    await until(async () => (await c.getDevice(ID))?.status.availability === 'error', 3000, 50);
    const reset = await invoke('reset_interlock', { owner: 'operator', reason: 'area clear' });
    expect(reset).toMatchObject({ status: 'success', interlock_state: 'safe' });
    await until(() => events.find((e) => e.params.kind === 'interlock_reset'));
    expect(await invoke('look_at_world', { pitch: 1 })).toMatchObject({ status: 'accepted' });
    await until(async () => (await c.getDevice(ID))?.status.availability === 'idle', 3000, 50);
    off();
    await consoleDev.stop();
  });

  it('publishes state_event with joints, pose, IMU and the mirror', async () => {
    const got: MeshEvent[] = [];
    const off = c.subscribe(ID, 'state_event', (ev) => got.push(ev));
    await until(() => got.length >= 3, 3000);
    off();
    const p = got[got.length - 1].params;
    expect(p.head_joints_deg).toHaveLength(7);
    expect((p.head_pose as R).rpy_deg).toBeDefined();
    expect(p.antennas_deg).toMatchObject({ left: expect.any(Number), right: expect.any(Number) });
    expect((p.imu as R).accelerometer).toHaveLength(3);
    expect((p.driver_state as R).interlock_state).toBe('safe');
  });

  it('daemon loss trips the interlock within 1 s; stop still works; reset after the daemon is back', async () => {
    const events: MeshEvent[] = [];
    const off = c.subscribe(ID, 'safety_event', (ev) => events.push(ev));
    await sleep(50);
    const t0 = Date.now();
    await s.sim.faults.crash();
    const trip = await until(() => events.find((e) => e.params.kind === 'interlock_tripped'), 3000, 10);
    expect(Date.now() - t0).toBeLessThan(1000); // docs/SAFETY.md: safety_event within 1 s of losing the daemon
    expect(trip.params.source).toBe('daemon');
    const e = await rejection(invoke('look_at_world', { pitch: 2 }));
    expect(e.message).toMatch(/interlock tripped/);
    expect(await invoke('stop_motion')).toMatchObject({ status: 'accepted' });
    // Even malformed arguments never block a stop.
    expect(await invoke('stop_motion', { owner: 42, reason: null, extra: true })).toMatchObject({ status: 'accepted' });
    const r = await rejection(invoke('reset_interlock', { reason: 'try' }));
    expect(r.message).toMatch(/daemon link is down/);
    await s.sim.faults.restart();
    await until(async () => ((await status()).daemon_link as R).status === 'connected', 10_000, 100);
    expect(await invoke('reset_interlock', { reason: 'daemon back' })).toMatchObject({ interlock_state: 'safe' });
    expect(await invoke('look_at_world', { pitch: 2 })).toMatchObject({ status: 'accepted' });
    off();
    expect(LIMITS.headBodyYawDiffDeg).toBe(65);
  }, 30_000);
});
