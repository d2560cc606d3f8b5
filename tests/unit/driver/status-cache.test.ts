/**
 * get_status builds its reply from cached pieces (the pose view per stream sample, the daemon document per push) and
 * hands the runtime its JSON text: the text must be exactly the value's serialisation, and every call must still
 * show the latest sample, the latest pushed status, the lease's remaining time and a correct age_ms.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stateFunctions } from '../../../src/main/driver/state-functions';
import { StateMirror } from '../../../src/main/driver/state-mirror';
import type { DriverContext } from '../../../src/main/driver/context';
import { jsonTextOf } from '../../../src/main/mesh/result-json';
import type { DeviceFunction } from '../../../src/main/mesh/types';
import type { ConnectionState, DaemonClient, DaemonStatusDoc, RobotState } from '../../../src/main/reachy/types';

const T0 = 1_800_000_000_000;

function pose(yaw: number, z: number): number[] {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c, -s, 0, 0.001, s, c, 0, -0.002, 0, 0, 1, z, 0, 0, 0, 1];
}

function setup() {
  const doc = (state: DaemonStatusDoc['state']): DaemonStatusDoc => ({
    type: 'daemon_status',
    robot_name: 'reachy_mini',
    state,
    version: '1.10.0',
    simulation_enabled: true,
    mockup_sim_enabled: false,
    no_media: false,
    media_released: false,
    camera_specs_name: 'generic',
    wlan_ip: null,
    error: null,
    face_target: { detected: false },
  });
  const live = {
    state: null as RobotState | null,
    pushed: null as { doc: DaemonStatusDoc; receivedAt: number } | null,
    link: { status: 'connected', since: T0 - 5000, transport: 'websocket', attempts: 0 } as ConnectionState,
  };
  const sample = (yaw: number, ageMs = 0): RobotState => ({
    receivedAt: Date.now() - ageMs,
    headPose: pose(yaw, 0.18),
    headJoints: [yaw, 0.6, -0.6, 0.6, -0.6, 0.6, -0.6],
    bodyYaw: yaw,
    antennas: [0.17, -0.17],
    imu: null,
  });
  const daemon = {
    latestState: () => live.state,
    pushedStatus: () => live.pushed,
    connection: () => ({ ...live.link }),
    daemonStatus: async () => doc('stopped'),
  } as unknown as DaemonClient;
  const mirror = new StateMirror({ deviceId: 'r1', daemon });
  const ctx = { deviceId: 'r1', daemon, mirror } as unknown as DriverContext;
  const fn = stateFunctions(ctx).find((f: DeviceFunction) => f.name === 'get_status')!;
  const call = async (params: Record<string, unknown> = {}): Promise<{ value: Record<string, unknown>; text: string | undefined }> => {
    const value = (await fn.handler(fn.params.parse(params) as never, {} as never)) as Record<string, unknown>;
    return { value, text: jsonTextOf(value) };
  };
  return { live, doc, sample, mirror, call };
}

/** The text the runtime will send is the value's serialisation, byte for byte. */
function expectText(r: { value: Record<string, unknown>; text: string | undefined }): void {
  expect(r.text).toBeDefined();
  expect(r.text).toBe(JSON.stringify(r.value));
}

describe('get_status from cached pieces', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows each new stream sample and pushed status, with age_ms counted from the push', async () => {
    const f = setup();
    f.live.state = f.sample(0.1);
    f.live.pushed = { doc: f.doc('running'), receivedAt: Date.now() - 40 };
    const a = await f.call();
    expectText(a);
    expect(a.value).toMatchObject({ source: 'mirror', age_ms: 40, daemon: { state: 'running' } });
    expect(a.value.driver_state).toEqual(f.mirror.snapshot());

    // Same sample, later: the pose is the same, age_ms has grown.
    vi.setSystemTime(T0 + 7);
    const b = await f.call();
    expectText(b);
    expect(b.value.age_ms).toBe(47);
    expect((b.value.driver_state as Record<string, unknown>).current_pose).toEqual((a.value.driver_state as Record<string, unknown>).current_pose);

    // A new sample and a new push: both show at once.
    f.live.state = f.sample(-0.3);
    f.live.pushed = { doc: f.doc('stopping'), receivedAt: Date.now() - 3 };
    const c = await f.call();
    expectText(c);
    expect(c.value).toMatchObject({ source: 'mirror', age_ms: 3, daemon: { state: 'stopping' } });
    const cp = (c.value.driver_state as { current_pose: { body_yaw_deg: number; received_at: number } }).current_pose;
    expect(cp.body_yaw_deg).toBeCloseTo((-0.3 * 180) / Math.PI, 3);
    expect(cp.received_at).toBe(f.live.state.receivedAt);
    expect(c.value.driver_state).toEqual(f.mirror.snapshot());
  });

  it('keeps the lease countdown, the interlock, the link and verbose live between samples', async () => {
    const f = setup();
    f.live.state = f.sample(0.2);
    f.live.pushed = { doc: f.doc('running'), receivedAt: Date.now() };
    f.mirror.lease.acquire('agent-a', 10, false);
    const a = await f.call();
    expectText(a);
    expect(a.value.driver_state).toMatchObject({ command_owner: 'agent-a', lease_active: true, lease_remaining_s: 10 });

    vi.setSystemTime(T0 + 2_500);
    f.mirror.interlock.trip('test trip', 'operator');
    f.live.link = { ...f.live.link, status: 'lost', error: 'no state for 1 s', attempts: 2 };
    const b = await f.call({ verbose: true });
    expectText(b);
    expect(b.value.driver_state).toMatchObject({ lease_remaining_s: 7.5, interlock_state: 'tripped', interlock_reason: 'test trip', availability: 'error' });
    expect((b.value.driver_state as { daemon_link: unknown }).daemon_link).toMatchObject({ status: 'lost', attempts: 2 });
    expect(b.value.link).toEqual({ status: 'lost', transport: 'websocket', error: 'no state for 1 s' });
    expect(b.value.daemon).toMatchObject({ type: 'daemon_status', face_target: { detected: false } });
    expect(b.value.age_ms).toBe(2_500);

    const c = await f.call();
    expectText(c);
    expect(c.value.daemon).not.toHaveProperty('face_target');
  });

  it('answers from the daemon when the pushed status is stale, with the same text guarantee', async () => {
    const f = setup();
    f.live.pushed = null;
    const r = await f.call();
    expectText(r);
    expect(r.value).toMatchObject({ source: 'daemon', age_ms: 0, daemon: { state: 'stopped' }, stale: 'no daemon status pushed on this link; read from the daemon' });
    expect((r.value.driver_state as Record<string, unknown>).current_pose).toBeNull();
  });
});
