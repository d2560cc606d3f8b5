/**
 * Contract of the simulated daemon's REST + WS routes against the reference (reachy-mini-daemon.md §2, §3, §14):
 * shapes, status codes, 422 bodies, 503 before ready, and the quirks a client must cope with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INIT_HEAD_POSE, SLEEP_HEAD_POSE, identity4, poseToMat4 } from '../../../src/main/reachy/kinematics';
import { ManualClock, startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { get, http, post, waitFor, wsProbe } from './util';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('before the backend is ready', () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, mode: 'mockup' });
  });
  afterAll(() => sim.stop());

  it('answers 503 Backend not running, status "starting", and refuses /ws/sdk with 1013', async () => {
    const st = await get(sim.url, '/api/state/full');
    expect(st.status).toBe(503);
    expect(st.json).toEqual({ detail: 'Backend not running' });
    expect((await post(sim.url, '/api/move/goto', { duration: 1 })).status).toBe(503);
    expect((await get(sim.url, '/api/daemon/status')).json).toMatchObject({ state: 'starting' });
    const ws = wsProbe(sim.url.replace('http', 'ws') + '/ws/sdk');
    expect(await ws.closed).toEqual({ code: 1013, reason: 'Daemon not ready' });
    clock.advance(20);
    await sim.ready();
    expect((await get(sim.url, '/api/state/full')).status).toBe(200);
    expect((await get(sim.url, '/api/daemon/status')).json).toMatchObject({ state: 'running' });
  });
});

describe('daemon REST routes', () => {
  let sim: Simulator;
  let clock: ManualClock;
  const tick = (ms = 20) => clock.advanceAsync(ms);
  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, mode: 'mockup', seed: 3 });
    clock.advance(20);
    await sim.ready();
  });
  afterAll(() => sim.stop());

  it('GET /api/daemon/status has the DaemonStatus shape of a mockup daemon', async () => {
    const r = await get(sim.url, '/api/daemon/status');
    expect(r.json).toEqual({
      type: 'daemon_status',
      robot_name: 'reachy_mini',
      state: 'running',
      wireless_version: false,
      desktop_app_daemon: false,
      simulation_enabled: false,
      mockup_sim_enabled: true,
      no_media: false,
      media_released: false,
      camera_specs_name: 'generic',
      backend_status: { motor_control_mode: 'enabled', error: null },
      error: null,
      wlan_ip: null,
      version: '1.10.0',
      hardware_id: null,
      face_target: { detected: false, x: null, y: null, roll: null, ts: null },
    });
  });

  it('GET /api/state/full: default flags, null fields serialised, target flags never appear', async () => {
    const r = await get(sim.url, '/api/state/full');
    const body = r.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['antennas_position', 'body_yaw', 'control_mode', 'doa', 'head_joints', 'head_pose', 'passive_joints', 'timestamp']);
    expect(body.head_joints).toBeNull();
    expect(body.head_pose).toMatchObject({ x: -0.021, y: 0.001, z: -0.044 });
    expect(body.antennas_position).toEqual([-3.05, 3.05]);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const m = await get(sim.url, '/api/state/full?use_pose_matrix=true&with_head_joints=1&with_target_head_pose=true&with_doa=true');
    const mb = m.json as Record<string, unknown>;
    expect((mb.head_pose as { m: number[] }).m).toHaveLength(16);
    expect(mb.head_joints).toHaveLength(7);
    expect(mb).not.toHaveProperty('target_head_pose');
    expect(mb.doa).toBeNull();
    const bad = await get(sim.url, '/api/state/full?with_head_joints=maybe');
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ detail: [{ type: 'bool_parsing', loc: ['query', 'with_head_joints'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' }] });
  });

  it('present_* routes: pose (rpy or matrix), body yaw as a bare number, antennas [right, left]', async () => {
    expect((await get(sim.url, '/api/state/present_head_pose')).json).toMatchObject({ x: -0.021 });
    expect(((await get(sim.url, '/api/state/present_head_pose?use_pose_matrix=true')).json as { m: number[] }).m).toEqual(SLEEP_HEAD_POSE);
    const by = await get(sim.url, '/api/state/present_body_yaw');
    expect(by.text).toBe('0');
    await post(sim.url, '/api/move/set_target', { target_antennas: [0.2, -0.4] });
    await tick();
    expect((await get(sim.url, '/api/state/present_antenna_joint_positions')).json).toEqual([0.2, -0.4]);
    expect((await get(sim.url, '/api/state/doa')).json).toBeNull();
  });

  it('POST /api/move/set_target applies at once; {"m":[1,0]} silently becomes the identity (daemon quirk)', async () => {
    const r = await post(sim.url, '/api/move/set_target', { target_head_pose: { pitch: 0.1, yaw: 0.2 }, target_body_yaw: 0.1, timestamp: 'ignored' });
    expect(r.json).toEqual({ status: 'ok' });
    await tick();
    expect(sim.state().headPose).toEqual(poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0.1, yaw: 0.2 }).map((v) => v + 0));
    expect(sim.state().bodyYaw).toBeCloseTo(0.1, 12);
    expect((await post(sim.url, '/api/move/set_target', { target_head_pose: { m: [1, 0] } })).json).toEqual({ status: 'ok' });
    await tick();
    expect(sim.state().headPose.map((v) => v + 0)).toEqual(identity4());
  });

  it('POST /api/move/goto: uuid, move_started/move_completed on ws/updates, running list, min-jerk always', async () => {
    const updates = wsProbe(sim.url.replace('http', 'ws') + '/api/move/ws/updates');
    await updates.opened;
    sim.clearTargetLog();
    const r = await post(sim.url, '/api/move/goto', { head_pose: { pitch: 0.2, yaw: 0.3 }, antennas: [0.5, -0.5], duration: 1.0, interpolation: 'linear' });
    const uuid = (r.json as { uuid: string }).uuid;
    expect(uuid).toMatch(UUID);
    expect(await updates.next((m) => m.uuid === uuid)).toEqual({ type: 'move_started', uuid, details: '' });
    expect((await get(sim.url, '/api/move/running')).json).toEqual([{ uuid }]);
    // While the move runs, set_target is ignored and another move is dropped (but reported completed).
    expect((await post(sim.url, '/api/move/set_target', { target_antennas: [0, 0] })).json).toEqual({ status: 'ignored', reason: 'move_running' });
    const dropped = (await post(sim.url, '/api/move/goto', { duration: 0.5, body_yaw: 1 })).json as { uuid: string };
    const droppedDone = updates.next((m) => m.uuid === dropped.uuid && m.type === 'move_completed');
    await tick(200);
    await droppedDone;
    const completed = updates.next((m) => m.uuid === uuid && m.type === 'move_completed');
    await tick(1000);
    await completed;
    expect((await get(sim.url, '/api/move/running')).json).toEqual([]);
    const full = (await get(sim.url, '/api/state/full')).json as { head_pose: Record<string, number>; antennas_position: number[] };
    expect(full.head_pose.pitch).toBeCloseTo(0.2, 9);
    expect(full.head_pose.yaw).toBeCloseTo(0.3, 9);
    expect(full.antennas_position).toEqual([0.5, -0.5]);
    const gotos = sim.targetLog().filter((e) => e.kind === 'goto');
    expect(gotos.map((g) => [g.method, g.accepted])).toEqual([
      ['minjerk', true],
      ['minjerk', false],
    ]);
    updates.close();
  });

  it('POST /api/move/stop: cancels a running move; unknown uuid → 500 (daemon KeyError); bad uuid → 422', async () => {
    const updates = wsProbe(sim.url.replace('http', 'ws') + '/api/move/ws/updates');
    await updates.opened;
    const { uuid } = (await post(sim.url, '/api/move/goto', { head_pose: { yaw: -0.3 }, duration: 5 })).json as { uuid: string };
    await tick(100);
    const cancelled = updates.next((m) => m.uuid === uuid && m.type === 'move_cancelled');
    expect((await post(sim.url, '/api/move/stop', { uuid })).json).toEqual({ message: `Stopped move with UUID: ${uuid}` });
    await cancelled;
    const unknown = await post(sim.url, '/api/move/stop', { uuid });
    expect(unknown.status).toBe(500);
    expect(unknown.text).toBe('Internal Server Error');
    const bad = await post(sim.url, '/api/move/stop', { uuid: 'nope' });
    expect(bad.status).toBe(422);
    expect((bad.json as { detail: Array<{ type: string }> }).detail[0].type).toBe('uuid_parsing');
    updates.close();
  });

  it('answers bad goto bodies with FastAPI 422 detail lists', async () => {
    const missing = await post(sim.url, '/api/move/goto', { head_pose: { yaw: 0.1 } });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({ detail: [{ type: 'missing', loc: ['body', 'duration'], msg: 'Field required', input: { head_pose: { yaw: 0.1 } } }] });
    const many = await post(sim.url, '/api/move/goto', { antennas: [1], duration: 'soon', interpolation: 'bouncy' });
    expect((many.json as { detail: unknown[] }).detail).toEqual([
      { type: 'missing', loc: ['body', 'antennas', 1], msg: 'Field required', input: [1] },
      { type: 'float_parsing', loc: ['body', 'duration'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'soon' },
      expect.objectContaining({ type: 'enum', loc: ['body', 'interpolation'], msg: "Input should be 'linear', 'minjerk', 'ease_in_out' or 'cartoon'" }),
    ]);
    const badPose = await post(sim.url, '/api/move/goto', { head_pose: { yaw: 'left' }, duration: 1 });
    const locs = (badPose.json as { detail: Array<{ loc: unknown[] }> }).detail.map((d) => d.loc);
    expect(locs).toEqual([
      ['body', 'head_pose', 'XYZRPYPose', 'yaw'],
      ['body', 'head_pose', 'Matrix4x4Pose', 'm'],
    ]);
    const json = await http(sim.url, 'POST', '/api/move/goto', undefined, '{"duration": NaN}');
    expect(json.status).toBe(422);
    expect((json.json as { detail: Array<{ type: string }> }).detail[0].type).toBe('json_invalid');
    const notObject = await post(sim.url, '/api/move/goto', [1, 2]);
    expect((notObject.json as { detail: Array<{ type: string; loc: unknown[] }> }).detail[0]).toMatchObject({ type: 'model_attributes_type', loc: ['body'] });
    const noBody = await http(sim.url, 'POST', '/api/move/goto');
    expect(noBody.json).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  });

  it('wake_up and goto_sleep over REST end at the reference poses', async () => {
    const updates = wsProbe(sim.url.replace('http', 'ws') + '/api/move/ws/updates');
    await updates.opened;
    const wake = ((await post(sim.url, '/api/move/play/wake_up')).json as { uuid: string }).uuid;
    const woke = updates.next((m) => m.uuid === wake && m.type === 'move_completed');
    await tick(3000);
    await woke;
    expect(((await get(sim.url, '/api/state/present_head_pose?use_pose_matrix=true')).json as { m: number[] }).m.map((v) => +v.toFixed(9))).toEqual(INIT_HEAD_POSE);
    expect((await get(sim.url, '/api/state/present_antenna_joint_positions')).json).toEqual([-0.1745, 0.1745]);
    const sleep = ((await post(sim.url, '/api/move/play/goto_sleep')).json as { uuid: string }).uuid;
    const slept = updates.next((m) => m.uuid === sleep && m.type === 'move_completed');
    await tick(6000);
    await slept;
    expect(((await get(sim.url, '/api/state/present_head_pose?use_pose_matrix=true')).json as { m: number[] }).m).toEqual(SLEEP_HEAD_POSE);
    expect((await get(sim.url, '/api/motors/status')).json).toEqual({ mode: 'disabled' });
    expect(sim.playedSounds().map((s) => s.file)).toEqual(expect.arrayContaining(['wake_up.wav', 'go_sleep.wav']));
    updates.close();
  });

  it('motors: status and set_mode with the daemon\'s enum-formatted reply; bad mode → 422', async () => {
    expect((await post(sim.url, '/api/motors/set_mode/enabled')).json).toEqual({ status: 'motors changed to MotorControlMode.Enabled mode' });
    expect((await get(sim.url, '/api/motors/status')).json).toEqual({ mode: 'enabled' });
    expect((await post(sim.url, '/api/motors/set_mode/gravity_compensation')).json).toEqual({ status: 'motors changed to MotorControlMode.GravityCompensation mode' });
    const bad = await post(sim.url, '/api/motors/set_mode/turbo');
    expect(bad.status).toBe(422);
    expect((bad.json as { detail: Array<{ loc: unknown[] }> }).detail[0].loc).toEqual(['path', 'mode']);
    await post(sim.url, '/api/motors/set_mode/enabled');
  });

  it('media, camera, volume and kinematics routes', async () => {
    expect((await get(sim.url, '/api/media/status')).json).toEqual({ available: true, released: false, no_media: false });
    expect((await post(sim.url, '/api/media/release')).json).toEqual({ status: 'ok' });
    expect((await get(sim.url, '/api/media/status')).json).toEqual({ available: false, released: true, no_media: false });
    expect((await get(sim.url, '/api/daemon/status')).json).toMatchObject({ media_released: true });
    expect((await post(sim.url, '/api/media/acquire')).json).toEqual({ status: 'ok' });
    expect((await post(sim.url, '/api/media/play_sound', { file: 'count.wav' })).json).toEqual({ status: 'ok' });
    expect(sim.playedSounds().at(-1)?.file).toBe('count.wav');
    expect((await post(sim.url, '/api/media/play_sound', { sound: 'x' })).status).toBe(422);
    const specs = (await get(sim.url, '/api/camera/specs')).json as Record<string, unknown>;
    expect(specs.name).toBe('generic');
    expect(specs.K).toEqual([[640, 0, 640], [0, 640, 360], [0, 0, 1]]);
    expect((await get(sim.url, '/api/volume/current')).json).toEqual({ volume: 60, platform: 'Linux', device: 'reachy-mini-sim' });
    expect((await post(sim.url, '/api/volume/set', { volume: 35 })).json).toMatchObject({ volume: 35 });
    expect(sim.playedSounds().at(-1)?.file).toBe('impatient1.wav');
    const tooLoud = await post(sim.url, '/api/volume/set', { volume: 101 });
    expect(tooLoud.json).toEqual({ detail: [{ type: 'less_than_equal', loc: ['body', 'volume'], msg: 'Input should be less than or equal to 100', input: 101, ctx: { le: 100 } }] });
    expect((await get(sim.url, '/api/volume/current')).json).toMatchObject({ volume: 35 });
    expect((await get(sim.url, '/api/kinematics/info')).json).toEqual({ info: { engine: 'AnalyticalKinematics', 'collision check': false } });
    expect((await get(sim.url, '/api/nope')).status).toBe(404);
    expect((await http(sim.url, 'DELETE', '/api/daemon/status')).status).toBe(405);
  });

  it('CORS only for localhost origins, as current daemons', async () => {
    const ok = await http(sim.url, 'GET', '/api/daemon/status', undefined, undefined, { origin: 'http://localhost:5173' });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await http(sim.url, 'GET', '/api/daemon/status', undefined, undefined, { origin: 'http://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('/api/state/ws/full streams FullState at the asked frequency; /api/move/ws/set_target reports bad frames', async () => {
    const state = wsProbe(sim.url.replace('http', 'ws') + '/api/state/ws/full?frequency=25&use_pose_matrix=true');
    await state.opened;
    await tick(200);
    await waitFor(() => state.messages.length >= 5);
    expect(state.messages.length).toBe(5);
    expect((state.messages[0].head_pose as { m: number[] }).m).toHaveLength(16);
    state.close();
    const st = wsProbe(sim.url.replace('http', 'ws') + '/api/move/ws/set_target');
    await st.opened;
    st.send({ target_antennas: [1] });
    const err = await st.next(() => true);
    expect(err.status).toBe('error');
    expect(err.detail).toMatch(/^1 validation error for FullBodyTarget\ntarget_antennas\.1\n {2}Field required \[type=missing/);
    st.send({ target_antennas: [0.7, -0.7] });
    await waitFor(() => sim.targetLog().some((e) => e.source === 'ws_set_target'));
    await tick(40);
    expect(sim.state().antennas).toEqual([0.7, -0.7]);
    st.close();
  });

  it('daemon stop/start/restart run as jobs: 503 while stopped, 409 when busy, 422 without the query', async () => {
    expect((await post(sim.url, '/api/daemon/stop')).status).toBe(422);
    const stop = (await post(sim.url, '/api/daemon/stop?goto_sleep=false')).json as { job_id: string };
    expect(stop.job_id).toMatch(UUID);
    await tick(20);
    expect((await get(sim.url, `/api/apps/job-status/${stop.job_id}`)).json).toMatchObject({ command: 'daemon-stop', status: 'done' });
    expect((await get(sim.url, '/api/daemon/status')).json).toMatchObject({ state: 'stopped', backend_status: null });
    expect((await get(sim.url, '/api/state/full')).status).toBe(503);
    const start = (await post(sim.url, '/api/daemon/start?wake_up=false')).json as { job_id: string };
    expect((await post(sim.url, '/api/daemon/restart')).json).toEqual({ detail: 'Daemon is busy.' });
    await tick(40);
    expect((await get(sim.url, `/api/apps/job-status/${start.job_id}`)).json).toMatchObject({ status: 'done' });
    expect((await get(sim.url, '/api/daemon/status')).json).toMatchObject({ state: 'running' });
    expect((await get(sim.url, '/api/state/full')).status).toBe(200);
  });
});
