/**
 * The daemon's REST routes (docs/DAEMON.md §2), registered on the simulator's router. Shapes, status codes and
 * quirks follow the reference; places where we deliberately differ say so.
 */
import { z } from 'zod';
import { simDoa } from './doa';
import type { Mat4 } from '../reachy';
import { mat4ToPose } from '../reachy';
import type { SimCore } from './core';
import type { Router, SimRequest } from './http';
import { HttpError, jsonBody, queryBool, validationError } from './http';
import { parseFullBodyTarget, parseGoto, parseMoveUuid, parseObjectField } from './schemas';

export const GENERIC_CAMERA_SPECS = {
  name: 'generic',
  available_resolutions: [
    { name: 'R1280x720at30fps', width: 1280, height: 720, fps: 30, crop_factor: 1.0 },
    { name: 'R1920x1080at30fps', width: 1920, height: 1080, fps: 30, crop_factor: 1.115 },
  ],
  default_resolution: { name: 'R1280x720at30fps', width: 1280, height: 720, fps: 30, crop_factor: 1.0 },
  K: [
    [640.0, 0.0, 640.0],
    [0.0, 640.0, 360.0],
    [0.0, 0.0, 1.0],
  ],
  D: [0.0, 0.0, 0.0, 0.0, 0.0],
};

const MOTOR_MODE_NAMES = { enabled: 'Enabled', disabled: 'Disabled', gravity_compensation: 'GravityCompensation' } as const;

/** `2026-08-21T09:12:15.123456Z` (FullState: UTC with Z, microseconds). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** `2026-08-21T11:12:16.012000` (TaskProgress: naive local time). */
export function isoLocalNaive(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

export function poseDoc(m: Mat4, asMatrix: boolean): unknown {
  return asMatrix ? { m: m.slice() } : mat4ToPose(m);
}

const FULL_FLAGS: Array<[string, boolean]> = [
  ['with_control_mode', true],
  ['with_head_pose', true],
  ['with_target_head_pose', false],
  ['with_head_joints', false],
  ['with_target_head_joints', false],
  ['with_body_yaw', true],
  ['with_target_body_yaw', false],
  ['with_antenna_positions', true],
  ['with_target_antenna_positions', false],
  ['with_passive_joints', false],
  ['with_doa', false],
  ['use_pose_matrix', false],
];

/** Validates the `/api/state/full` flags (422 on a bad bool). */
export function fullStateFlags(req: SimRequest): Record<string, boolean> {
  const f: Record<string, boolean> = {};
  for (const [k, d] of FULL_FLAGS) f[k] = queryBool(req, k, d);
  return f;
}

/** `FullState`: null fields serialised; `with_target_*` never appear (docs/DAEMON.md §14.6). */
export function fullState(core: SimCore, f: Record<string, boolean>): Record<string, unknown> {
  const model = core.backend();
  const p = model.presentState();
  return {
    control_mode: f.with_control_mode ? model.motorMode : null,
    head_pose: f.with_head_pose ? poseDoc(p.headPose, f.use_pose_matrix) : null,
    head_joints: f.with_head_joints ? p.joints : null,
    body_yaw: f.with_body_yaw ? p.bodyYaw : null,
    antennas_position: f.with_antenna_positions ? p.antennas : null,
    timestamp: isoUtc(core.clock.now()),
    passive_joints: null,
    // No ReSpeaker in the simulator.
    doa: null,
  };
}

export function registerRoutes(router: Router, core: SimCore): void {
  const ok = { json: { status: 'ok' } };

  router.addRoute('GET', '/', () => ({
    body: '<!doctype html><html><head><title>Reachy Mini</title></head><body><h1>Web Dashboard Deprecated</h1><p>Reachy Mini Console simulator.</p></body></html>',
    contentType: 'text/html; charset=utf-8',
  }));
  router.addRoute('POST', '/health-check', () => ({ json: { status: 'ok' } }));

  // ---- /api/daemon ----
  router.addRoute('GET', '/api/daemon/status', () => ({ json: core.status() }));
  router.addRoute('POST', '/api/daemon/start', (req) => {
    const wake = queryBool(req, 'wake_up');
    return { json: { job_id: core.runJob('daemon-start', () => core.start(wake)) } };
  });
  router.addRoute('POST', '/api/daemon/stop', (req) => {
    const sleep = queryBool(req, 'goto_sleep');
    return { json: { job_id: core.runJob('daemon-stop', () => core.stop(sleep)) } };
  });
  router.addRoute('POST', '/api/daemon/restart', () => ({
    json: {
      job_id: core.runJob('daemon-restart', async () => {
        await core.stop(false);
        await core.start(false);
      }),
    },
  }));
  router.addRoute('GET', '/api/daemon/robot-name', () => ({ json: { name: core.opts.robotName } }));
  router.addRoute('GET', '/api/daemon/hardware-id', () => ({ json: { hardware_id: null } }));
  router.addRoute('GET', '/api/daemon/robot-app-lock-status', () => ({ json: { state: 'free', holder_name: null } }));
  router.addRoute('GET', '/api/apps/job-status/{job_id}', (req) => {
    const job = core.jobs.get(req.params.job_id);
    if (!job) throw new HttpError(404, 'Job ID not found');
    return { json: job };
  });
  router.addRoute('GET', '/api/apps/list-available', () => ({ json: [] }));
  router.addRoute('GET', '/api/apps/current-app-status', () => ({ json: null }));

  // ---- /api/state ----
  router.addRoute('GET', '/api/state/full', (req) => ({ json: fullState(core, fullStateFlags(req)) }));
  router.addRoute('GET', '/api/state/present_head_pose', (req) => {
    const asMatrix = queryBool(req, 'use_pose_matrix', false);
    return { json: poseDoc(core.backend().presentState().headPose, asMatrix) };
  });
  router.addRoute('GET', '/api/state/present_body_yaw', () => ({ json: core.backend().presentState().bodyYaw }));
  // [right, left], whatever the daemon's docstring says (docs/DAEMON.md §14.8).
  router.addRoute('GET', '/api/state/present_antenna_joint_positions', () => ({ json: core.backend().presentState().antennas }));
  // The mockup has no microphone array (null, like the daemon's mockup); the full simulator hears its scripted sources.
  router.addRoute('GET', '/api/state/doa', () => ({ json: core.mode === 'mockup' ? (core.backend(), null) : simDoa(core.clock.now(), core.backend().presentState().bodyYaw) }));

  // ---- /api/move ----
  router.addRoute('GET', '/api/move/running', () => {
    core.backend();
    return { json: [...core.restMoves.keys()].map((uuid) => ({ uuid })) };
  });
  router.addRoute('POST', '/api/move/goto', (req) => {
    const model = core.backend();
    const g = parseGoto(jsonBody(req));
    // Quirk kept (docs/DAEMON.md §14.3): the REST route never passes `interpolation` on, so REST gotos are min-jerk.
    const move = model.goto({ head: g.head, antennas: g.antennas, bodyYaw: g.bodyYaw }, g.duration, 'minjerk', 'rest');
    return { json: { uuid: core.trackRestMove(move) } };
  });
  router.addRoute('POST', '/api/move/play/wake_up', () => ({ json: { uuid: core.trackRestMove(core.backend().wakeUp('rest')) } }));
  router.addRoute('POST', '/api/move/play/goto_sleep', () => ({ json: { uuid: core.trackRestMove(core.backend().gotoSleep('rest')) } }));
  router.addRoute('POST', '/api/move/stop', (req) => {
    const model = core.backend();
    const uuid = parseMoveUuid(jsonBody(req));
    // Quirk kept (docs/DAEMON.md §14.5): an unknown uuid is a KeyError in the daemon → plain 500.
    if (!core.restMoves.has(uuid)) return { status: 500, body: 'Internal Server Error' };
    model.stopMove(uuid);
    return { json: { message: `Stopped move with UUID: ${uuid}` } };
  });
  router.addRoute('POST', '/api/move/set_target', (req) => {
    const model = core.backend();
    const t = parseFullBodyTarget(jsonBody(req));
    const r = model.setTarget({ head: t.head, antennas: t.antennas, bodyYaw: t.bodyYaw }, 'rest');
    return { json: r === 'ok' ? { status: 'ok' } : { status: 'ignored', reason: 'move_running' } };
  });
  router.addRoute('GET', '/api/move/recorded-move-datasets/list/{dataset_name:path}', () => {
    throw new HttpError(404, 'Dataset not found (the simulator has no recorded-move datasets)');
  });

  // ---- /api/motors ----
  router.addRoute('GET', '/api/motors/status', () => ({ json: { mode: core.backend().motorMode } }));
  router.addRoute('POST', '/api/motors/set_mode/{mode}', (req) => {
    const model = core.backend();
    const mode = req.params.mode;
    if (mode !== 'enabled' && mode !== 'disabled' && mode !== 'gravity_compensation') {
      throw validationError([
        { type: 'enum', loc: ['path', 'mode'], msg: "Input should be 'enabled', 'disabled' or 'gravity_compensation'", input: mode, ctx: { expected: "'enabled', 'disabled' or 'gravity_compensation'" } },
      ]);
    }
    model.setMotorMode(mode);
    // The daemon formats the (str, Enum) member, not its value (docs/DAEMON.md §2.4).
    return { json: { status: `motors changed to MotorControlMode.${MOTOR_MODE_NAMES[mode]} mode` } };
  });

  // ---- /api/kinematics ----
  router.addRoute('GET', '/api/kinematics/info', () => ({ json: { info: { engine: 'AnalyticalKinematics', 'collision check': false } } }));
  router.addRoute('GET', '/api/kinematics/urdf', () => ({
    // Stub: the simulator does not ship the URDF.
    json: { urdf: '<?xml version="1.0"?>\n<robot name="reachy_mini"><!-- simulator stub: URDF not bundled --></robot>\n' },
  }));

  // ---- /api/media ----
  router.addRoute('GET', '/api/media/status', () => ({
    json: { available: !core.opts.noMedia && !core.mediaReleased, released: core.mediaReleased, no_media: core.opts.noMedia },
  }));
  router.addRoute('POST', '/api/media/release', () => {
    core.mediaReleased = true;
    core.events.emit('media', { released: true });
    return ok;
  });
  router.addRoute('POST', '/api/media/acquire', () => {
    core.mediaReleased = false;
    core.events.emit('media', { released: false });
    return ok;
  });
  router.addRoute('POST', '/api/media/play_sound', (req) => {
    core.backend();
    const file = parseObjectField(jsonBody(req), 'file', z.string());
    core.recordSound(file);
    return ok;
  });
  router.addRoute('POST', '/api/media/stop_sound', () => ok);
  router.addRoute('POST', '/api/media/clear_incoming_audio', () => ok);
  router.addRoute('GET', '/api/media/sounds', () => ({ json: { files: [] } }));
  router.addRoute('GET', '/api/media/tracking/face', () => ({
    json: { status: 'ok', face_target: { detected: false, x: null, y: null, roll: null, ts: null } },
  }));

  // ---- /api/camera ----
  router.addRoute('GET', '/api/camera/specs', () => ({ json: GENERIC_CAMERA_SPECS }));

  // ---- /api/volume ----
  const volumeDoc = (v: number): unknown => ({ volume: v, platform: 'Linux', device: 'reachy-mini-sim' });
  const volumeSchema = z.number().int().min(0).max(100);
  router.addRoute('GET', '/api/volume/current', () => ({ json: volumeDoc(core.volume) }));
  router.addRoute('POST', '/api/volume/set', (req) => {
    core.volume = parseObjectField(jsonBody(req), 'volume', volumeSchema);
    // The daemon plays a feedback sound after a volume change.
    core.recordSound('impatient1.wav');
    return { json: volumeDoc(core.volume) };
  });
  router.addRoute('POST', '/api/volume/test-sound', () => {
    core.recordSound('impatient1.wav');
    return { json: { status: 'ok', message: 'Test sound played' } };
  });
  router.addRoute('GET', '/api/volume/microphone/current', () => ({ json: volumeDoc(core.micVolume) }));
  router.addRoute('POST', '/api/volume/microphone/set', (req) => {
    core.micVolume = parseObjectField(jsonBody(req), 'volume', volumeSchema);
    return { json: volumeDoc(core.micVolume) };
  });
}
