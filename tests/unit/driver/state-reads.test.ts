/**
 * State reads answer from the driver's copy of the robot stream (joints/pose/IMU at 50 Hz, daemon_status at 1 Hz)
 * and say how old it is; they ask the daemon over REST only when that copy is stale, and say so.
 */
import { describe, expect, it } from 'vitest';
import { stateFunctions, STATE_STALE_MS, STATUS_STALE_MS } from '../../../src/main/driver/state-functions';
import type { DriverContext } from '../../../src/main/driver/context';
import type { DaemonClient, DaemonStatusDoc, RobotState } from '../../../src/main/reachy/types';
import type { DeviceFunction } from '../../../src/main/mesh/types';

const IDENT = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.177, 0, 0, 0, 1];
const STATUS: DaemonStatusDoc = {
  type: 'daemon_status',
  robot_name: 'reachy_mini',
  state: 'running',
  version: '1.9.0',
  simulation_enabled: false,
  mockup_sim_enabled: true,
  no_media: false,
  media_released: false,
  camera_specs_name: 'generic',
  wlan_ip: null,
  error: null,
  face_target: { detected: false },
};

function fake(opts: { stateAgeMs: number | null; statusAgeMs: number | null; imu?: boolean }) {
  const calls = { daemonStatus: 0, fetchState: 0 };
  const state = (age: number, yaw: number): RobotState => ({
    receivedAt: Date.now() - age,
    headPose: IDENT,
    headJoints: [yaw, 0, 0, 0, 0, 0, 0],
    bodyYaw: yaw,
    antennas: [0, 0],
    imu: opts.imu ? { accelerometer: [0, 0, 9.81], gyroscope: [0, 0, 0], quaternion: [1, 0, 0, 0], temperature: 30 } : null,
  });
  const daemon = {
    latestState: () => (opts.stateAgeMs === null ? null : state(opts.stateAgeMs, 0.1)),
    pushedStatus: () => (opts.statusAgeMs === null ? null : { doc: STATUS, receivedAt: Date.now() - opts.statusAgeMs }),
    daemonStatus: async () => {
      calls.daemonStatus++;
      return { ...STATUS, state: 'running', robot_name: 'from_rest' };
    },
    fetchState: async () => {
      calls.fetchState++;
      return state(0, 0.5);
    },
    connection: () => ({ status: 'connected', since: 0, transport: 'websocket', attempts: 0 }),
  } as unknown as DaemonClient;
  const ctx = {
    daemon,
    mirror: { snapshotWithJson: () => ({ value: { interlock_state: 'safe' }, json: '{"interlock_state":"safe"}' }) },
  } as unknown as DriverContext;
  const fns = new Map(stateFunctions(ctx).map((f: DeviceFunction) => [f.name, f]));
  const call = async (name: string, params: Record<string, unknown> = {}) =>
    (await fns.get(name)!.handler(fns.get(name)!.params.parse(params) as never, {} as never)) as Record<string, unknown>;
  return { call, calls };
}

describe('state reads from the mirror', () => {
  it('get_status answers from the pushed daemon status without a REST call, trimmed unless verbose', async () => {
    const f = fake({ stateAgeMs: 5, statusAgeMs: 300 });
    const r = await f.call('get_status');
    expect(f.calls.daemonStatus).toBe(0);
    expect(r.source).toBe('mirror');
    expect(r.age_ms).toBeGreaterThanOrEqual(300);
    expect(r.stale).toBeUndefined();
    expect(r.daemon).toEqual({ robot_name: 'reachy_mini', state: 'running', version: '1.9.0', simulation_enabled: false, mockup_sim_enabled: true, no_media: false, media_released: false, error: null });
    expect(r.driver_state).toEqual({ interlock_state: 'safe' });
    const v = await f.call('get_status', { verbose: true });
    expect((v.daemon as Record<string, unknown>).face_target).toEqual({ detected: false });
    expect(f.calls.daemonStatus).toBe(0);
  });

  it('get_status asks the daemon when the pushed status is stale or absent, and says so', async () => {
    const stale = fake({ stateAgeMs: 5, statusAgeMs: STATUS_STALE_MS + 500 });
    const r = await stale.call('get_status');
    expect(stale.calls.daemonStatus).toBe(1);
    expect(r).toMatchObject({ source: 'daemon', daemon: { robot_name: 'from_rest' } });
    expect(r.stale).toMatch(/^pushed daemon status is \d+ ms old \(limit 2500 ms\); read from the daemon$/);
    const none = fake({ stateAgeMs: 5, statusAgeMs: null });
    expect((await none.call('get_status')).stale).toBe('no daemon status pushed on this link; read from the daemon');
    expect(none.calls.daemonStatus).toBe(1);
  });

  it('rejects a bad verbose value', async () => {
    const f = fake({ stateAgeMs: 5, statusAgeMs: 5 });
    await expect(f.call('get_status', { verbose: 'yes' })).rejects.toThrow(/verbose/);
  });

  it('get_joints and get_body_yaw use a fresh stream sample, and read the daemon when it is stale', async () => {
    const fresh = fake({ stateAgeMs: 20, statusAgeMs: 5 });
    const j = await fresh.call('get_joints');
    expect(j).toMatchObject({ status: 'success', source: 'mirror', body_yaw_rad: 0.1 });
    expect(j.age_ms).toBeGreaterThanOrEqual(20);
    expect(await fresh.call('get_body_yaw')).toMatchObject({ status: 'success', source: 'mirror', yaw_rad: 0.1 });
    expect(fresh.calls.fetchState).toBe(0);

    const stale = fake({ stateAgeMs: STATE_STALE_MS + 1000, statusAgeMs: 5 });
    const s = await stale.call('get_joints');
    expect(s).toMatchObject({ status: 'success', source: 'daemon', body_yaw_rad: 0.5, age_ms: 0 });
    expect(s.stale).toMatch(/^state stream is \d+ ms old \(limit 500 ms\); read from the daemon$/);
    expect(await stale.call('get_body_yaw')).toMatchObject({ status: 'success', source: 'daemon', yaw_rad: 0.5 });
    expect(stale.calls.fetchState).toBe(2);
  });

  it('get_imu reports a stale IMU sample as no data rather than as current', async () => {
    expect(await fake({ stateAgeMs: 10, statusAgeMs: 5, imu: true }).call('get_imu')).toMatchObject({ status: 'success', source: 'mirror', imu: { temperature: 30 } });
    const r = await fake({ stateAgeMs: STATE_STALE_MS + 1000, statusAgeMs: 5, imu: true }).call('get_imu');
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^no IMU data: the last sample is \d+ ms old/);
  });
});
