/**
 * WebSocket endpoints of the simulated daemon (docs/DAEMON.md §3): `/ws/sdk` (50 Hz state, 1 Hz status, commands
 * without replies, `task` gotos with `task_progress`), `/api/state/ws/full`, `/api/move/ws/updates`,
 * `/api/move/ws/set_target`.
 */
import { errorMessage } from '../../shared/errors';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { createLogger } from '../log';
import type { Mat4 } from '../reachy';
import { forwardKinematics } from '../reachy';
import type { SimCore, MoveEvent } from './core';
import type { PydanticError, SimRequest } from './http';
import { HttpError } from './http';
import { fullState, fullStateFlags, isoLocalNaive } from './routes';
import { parseFullBodyTarget, pydanticText, sdkCommand } from './schemas';
import type { SdkCommand } from './schemas';
import type { Cancel } from './clock';

const log = createLogger('sim/ws');
/** Above this much unsent data a client is treated as slow and frames are dropped (the daemon's queue drops oldest). */
const MAX_BUFFERED = 1 << 20;

function sendJson(ws: WebSocket, text: string): void {
  if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED) ws.send(text);
}

function nested(m: Mat4): number[][] {
  return [m.slice(0, 4), m.slice(4, 8), m.slice(8, 12), m.slice(12, 16)];
}

function fakeRequest(req: IncomingMessage): SimRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  return { method: 'GET', path: url.pathname, query: url.searchParams, params: {}, headers: req.headers, rawBody: Buffer.alloc(0) };
}

export class SdkHub {
  readonly clients = new Set<WebSocket>();
  private readonly stop: Array<() => void> = [];

  constructor(private readonly core: SimCore) {
    const onTick = (): void => this.publishState();
    core.events.on('tick', onTick);
    this.stop.push(() => core.events.off('tick', onTick));
  }

  /** The 1 Hz status publisher (runs while the server runs). */
  startStatus(): Cancel {
    return this.core.clock.setInterval(() => {
      if (this.core.stalled || this.clients.size === 0) return;
      this.broadcast(JSON.stringify(this.core.status()));
    }, 1000);
  }

  close(): void {
    for (const s of this.stop) s();
    this.dropAll(1001, 'Server shutting down');
  }

  dropAll(code = 1006, reason = ''): number {
    const n = this.clients.size;
    for (const ws of this.clients) {
      if (code === 1006) ws.terminate();
      else ws.close(code, reason);
    }
    this.clients.clear();
    return n;
  }

  broadcast(text: string): void {
    for (const ws of this.clients) sendJson(ws, text);
  }

  private publishState(): void {
    if (this.core.stalled || this.clients.size === 0) return;
    const model = this.core.model;
    const p = model.presentState();
    this.broadcast(JSON.stringify({ type: 'joint_positions', head_joint_positions: p.joints, antennas_joint_positions: p.antennas }));
    this.broadcast(JSON.stringify({ type: 'head_pose', head_pose: nested(p.headPose) }));
    const imu = model.imuState();
    if (imu) this.broadcast(JSON.stringify({ type: 'imu_data', ...imu }));
  }

  attach(ws: WebSocket): void {
    if (!this.core.backendAvailable()) {
      ws.close(1013, 'Daemon not ready');
      return;
    }
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        log.debug('ignored invalid JSON on /ws/sdk');
        return;
      }
      const r = sdkCommand.safeParse(raw);
      if (!r.success) {
        // The daemon logs and ignores invalid or unknown commands; there is no reply channel on /ws/sdk.
        log.debug(`ignored /ws/sdk command: ${r.error.issues[0]?.message ?? 'invalid'}`);
        return;
      }
      this.handle(r.data);
    });
  }

  private handle(cmd: SdkCommand): void {
    if (!this.core.backendAvailable()) return;
    const model = this.core.model;
    switch (cmd.type) {
      case 'set_target':
        model.setTarget({ head: cmd.head }, 'ws_sdk');
        return;
      case 'set_body_yaw':
        model.setTarget({ bodyYaw: cmd.body_yaw }, 'ws_sdk');
        return;
      case 'set_antennas':
        model.setTarget({ antennas: cmd.antennas }, 'ws_sdk');
        return;
      case 'set_full_target':
        model.setTarget({ head: cmd.head ?? null, antennas: cmd.antennas ?? null, bodyYaw: cmd.body_yaw ?? null }, 'ws_sdk');
        return;
      case 'set_head_joints': {
        // The daemon stores joint targets directly; we turn them into the equivalent Cartesian target (numeric FK),
        // so the automatic body-yaw rule may still move the body when the head is more than 65° away from it.
        const pose = forwardKinematics(cmd.joints, model.presentState().headPose);
        if (pose) model.setTarget({ head: pose, bodyYaw: cmd.joints[0] }, 'ws_sdk');
        else log.debug('set_head_joints: no head pose for these joints; ignored');
        return;
      }
      case 'goto_target':
        model.goto({ head: cmd.head ?? null, antennas: cmd.antennas ?? null, bodyYaw: cmd.body_yaw ?? null }, cmd.duration, 'minjerk', 'ws_sdk');
        return;
      case 'wake_up':
        model.wakeUp('ws_sdk');
        return;
      case 'goto_sleep':
        model.gotoSleep('ws_sdk');
        return;
      case 'stop_move':
        model.stopMove();
        return;
      case 'set_motor_mode':
        model.setMotorMode(cmd.mode);
        return;
      case 'set_torque':
        // Per-motor torque is not modelled; a global switch maps to the motor mode.
        if (!cmd.ids) model.setMotorMode(cmd.on ? 'enabled' : 'disabled');
        return;
      case 'set_gravity_compensation':
        model.setMotorMode(cmd.enabled ? 'gravity_compensation' : 'enabled');
        return;
      case 'set_automatic_body_yaw':
        model.automaticBodyYaw = cmd.enabled;
        return;
      case 'play_sound':
        this.core.recordSound(cmd.file);
        return;
      case 'start_recording':
        model.startRecording();
        return;
      case 'append_record':
        model.appendRecord(cmd.record);
        return;
      case 'stop_recording': {
        const data = model.stopRecording();
        if (data) this.broadcast(JSON.stringify({ type: 'recorded_data', data }));
        return;
      }
      case 'set_volume':
        this.core.volume = cmd.volume;
        return;
      case 'task': {
        const q = cmd.req;
        const move = model.goto({ head: q.head, antennas: q.antennas, bodyYaw: q.body_yaw }, q.duration, q.method, 'ws_sdk');
        void move.done.then((end) => {
          const error = end.status === 'completed' ? null : end.status === 'cancelled' ? 'Move cancelled' : end.details;
          this.broadcast(JSON.stringify({ type: 'task_progress', uuid: cmd.uuid, finished: true, error, timestamp: isoLocalNaive(this.core.clock.now()) }));
        });
        return;
      }
    }
  }
}

/** `/api/state/ws/full`: one FullState per 1/frequency s (default 10 Hz). */
export function attachStateStream(core: SimCore, ws: WebSocket, req: IncomingMessage): void {
  if (!core.backendAvailable()) {
    ws.close(1013, 'Backend not running');
    return;
  }
  const sreq = fakeRequest(req);
  let flags: Record<string, boolean>;
  let freq: number;
  try {
    flags = fullStateFlags(sreq);
    const raw = sreq.query.get('frequency');
    freq = raw === null ? 10 : Number(raw);
  } catch {
    ws.close(1008, 'Invalid query parameters');
    return;
  }
  // Deliberate: the daemon would divide by zero; we refuse non-positive rates and cap at 100 Hz.
  if (!Number.isFinite(freq) || freq <= 0) {
    ws.close(1008, 'frequency must be a positive number');
    return;
  }
  const period = 1000 / Math.min(freq, 100);
  const cancel = core.clock.setInterval(() => {
    if (core.stalled) return;
    try {
      sendJson(ws, JSON.stringify(fullState(core, flags)));
    } catch (err) {
      if (err instanceof HttpError && err.status === 503) ws.close(1011, 'Backend stopped');
    }
  }, period);
  ws.on('close', cancel);
  ws.on('error', cancel);
  ws.on('message', () => undefined); // client frames are ignored
}

/** `/api/move/ws/updates`: move_started / move_completed / move_failed / move_cancelled of REST moves. */
export function attachMoveUpdates(core: SimCore, ws: WebSocket): void {
  const onMove = (e: MoveEvent): void => sendJson(ws, JSON.stringify(e));
  core.events.on('move', onMove);
  const off = (): void => {
    core.events.off('move', onMove);
  };
  ws.on('close', off);
  ws.on('error', off);
  ws.on('message', () => undefined);
}

/** `/api/move/ws/set_target`: FullBodyTarget frames, no reply on success, `{"status":"error"}` on bad input. */
export function attachSetTargetStream(core: SimCore, ws: WebSocket): void {
  if (!core.backendAvailable()) {
    ws.close(1013, 'Backend not running');
    return;
  }
  ws.on('message', (data) => {
    try {
      const t = parseFullBodyTarget(JSON.parse(data.toString()) as unknown);
      core.backend().setTarget({ head: t.head, antennas: t.antennas, bodyYaw: t.bodyYaw }, 'ws_set_target');
    } catch (err) {
      const detail =
        err instanceof HttpError && Array.isArray(err.detail)
          ? pydanticText('FullBodyTarget', err.detail as PydanticError[])
          : errorMessage(err);
      sendJson(ws, JSON.stringify({ status: 'error', detail }));
    }
  });
}
