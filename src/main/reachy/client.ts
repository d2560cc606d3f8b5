/**
 * The daemon client (docs/DAEMON.md): the same code for the simulator and a real robot.
 *
 * Transports: `websocket` streams state from `/ws/sdk` (50 Hz) and sends realtime commands and `task` gotos over
 * it (task_progress tracks completion; the interpolation method is honoured only on this path); `http` polls
 * `/api/state/full` and uses REST (`/api/move/goto` + `/api/move/ws/updates`). `auto` = websocket, falling back
 * to http when the daemon has no `/ws/sdk` (daemons < 1.5 answer 404).
 * Liveness: no state for 1 s ⇒ `lost` (the driver trips its interlock on that); reconnects with exponential
 * backoff until close().
 */
import { errorMessage } from '../../shared/errors';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Logger } from '../log';
import { createLogger } from '../log';
import type { Mat4 } from '../../shared/kinematics';
import { restCall } from './rest';
import type { RestOptions } from './rest';
import { makeTarget, transportModeFromEnv } from './target';
import { resolveLocalName } from './discovery';
import type {
  CameraSpecs,
  ConnectionState,
  DaemonClient,
  DaemonStatusDoc,
  DaemonTarget,
  GotoRequest,
  ImuSample,
  MotorMode,
  MoveHandle,
  MoveOutcome,
  RealtimeTarget,
  RobotState,
  TransportMode,
} from './types';
import { DaemonError } from './types';
import { MoveTracker } from './move-tracker';

export interface DaemonClientOptions {
  target: DaemonTarget;
  /** Default: env REACHY_TRANSPORT_MODE, else `auto`. */
  transportMode?: TransportMode;
  /** REST timeout (default 3000 ms). */
  requestTimeoutMs?: number;
  /** No state for this long ⇒ `lost` (default 1000 ms, as the Python SDK). */
  livenessMs?: number;
  /** State polling rate in http mode (default 10 Hz). */
  pollHz?: number;
  /** Reconnect backoff (default 200 ms doubling to 3000 ms). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A `task` goto without task_progress after duration + this is reported failed (default 5000 ms). */
  moveSlackMs?: number;
  /** How long to browse mDNS for a `.local` host the system resolver does not know (default 2000 ms). */
  mdnsTimeoutMs?: number;
  logger?: Logger;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const mat4 = z.array(finite).length(16, 'must have 16 numbers (row-major 4×4)');
const antennas = z.tuple([finite, finite]);
const realtimeSchema = z.object({ headPose: mat4.optional(), antennas: antennas.optional(), bodyYaw: finite.optional() });
const gotoSchema = z.object({
  headPose: mat4.nullish(),
  antennas: antennas.nullish(),
  bodyYaw: finite.nullish(),
  durationS: z.number().gt(0, 'must be > 0 (use setTarget for realtime)').max(3600),
  interpolation: z.enum(['linear', 'minjerk', 'ease_in_out', 'cartoon']).optional(),
});

function check<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new DaemonError(`${what}: ${i.path.join('.') || 'value'} ${i.message}`, null);
}

const num3 = z.tuple([z.number(), z.number(), z.number()]);
const sdkMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('joint_positions'), head_joint_positions: z.array(z.number()).length(7), antennas_joint_positions: z.tuple([z.number(), z.number()]) }),
  z.object({ type: z.literal('head_pose'), head_pose: z.array(z.array(z.number()).length(4)).length(4) }),
  z.object({ type: z.literal('imu_data'), accelerometer: num3, gyroscope: num3, quaternion: z.tuple([z.number(), z.number(), z.number(), z.number()]), temperature: z.number() }),
  z.object({ type: z.literal('daemon_status') }).loose(),
  z.object({ type: z.literal('task_progress'), uuid: z.string(), finished: z.boolean(), error: z.string().nullable() }).loose(),
]);

const fullStateDoc = z
  .object({
    head_pose: z.object({ m: z.array(z.number()).length(16) }).nullable(),
    head_joints: z.array(z.number()).nullable(),
    body_yaw: z.number().nullable(),
    antennas_position: z.tuple([z.number(), z.number()]).nullable(),
  })
  .loose();

/** An `/api/state/full` document as a RobotState (no IMU on this route); null when it lacks the pose. */
function parseFullState(doc: unknown): RobotState | null {
  const r = fullStateDoc.safeParse(doc);
  if (!r.success) return null;
  const { head_pose: pose, antennas_position: antennas, head_joints: joints, body_yaw: yaw } = r.data;
  if (!pose || !antennas) return null;
  return {
    receivedAt: Date.now(),
    headPose: pose.m,
    headJoints: joints,
    bodyYaw: yaw ?? (joints ? joints[0] : 0),
    antennas,
    imu: null,
  };
}

function naiveLocalIso(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

interface PendingTask {
  resolve: (o: MoveOutcome) => void;
  timer: NodeJS.Timeout;
}

export function createDaemonClient(opts: DaemonClientOptions): DaemonClient {
  return new DaemonClientImpl(opts);
}

class DaemonClientImpl implements DaemonClient {
  readonly target: DaemonTarget;
  readonly transportMode: TransportMode;
  private readonly rest: RestOptions;
  private readonly livenessMs: number;
  private readonly pollMs: number;
  private readonly backoffInitial: number;
  private readonly backoffMax: number;
  private readonly moveSlack: number;
  private readonly log: Logger;
  private transport: 'websocket' | 'http';
  private conn: ConnectionState;
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private readonly stateListeners = new Set<(s: RobotState) => void>();
  private latest: RobotState | null = null;
  private lastJoints: { head: number[]; antennas: [number, number] } | null = null;
  private lastImu: ImuSample | null = null;
  private lastStateAt = 0;
  private pushed: { doc: DaemonStatusDoc; receivedAt: number } | null = null;
  private livenessRecheck = false;
  private ws: WebSocket | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private started = false;
  private firstOutcome: (() => void) | null = null;
  private readonly tasks = new Map<string, PendingTask>();
  private readonly moves: MoveTracker;
  private mdnsTriedAt = 0;
  private readonly mdnsTimeoutMs: number;

  constructor(o: DaemonClientOptions) {
    if (o.target.kind === 'sim' && o.target.port === 0) {
      throw new DaemonError('target "sim" must be resolved to a running simulator first (targetForSimulator)', null);
    }
    this.target = o.target;
    this.transportMode = o.transportMode ?? transportModeFromEnv();
    this.transport = this.transportMode === 'http' ? 'http' : 'websocket';
    this.rest = { baseUrl: o.target.baseUrl, timeoutMs: o.requestTimeoutMs ?? 3000 };
    this.livenessMs = o.livenessMs ?? 1000;
    this.pollMs = 1000 / Math.min(50, Math.max(0.5, o.pollHz ?? 10));
    this.backoffInitial = o.backoffInitialMs ?? 200;
    this.backoffMax = o.backoffMaxMs ?? 3000;
    this.moveSlack = o.moveSlackMs ?? 5000;
    this.mdnsTimeoutMs = o.mdnsTimeoutMs ?? 2000;
    this.log = o.logger ?? createLogger('reachy');
    this.conn = { status: 'connecting', since: Date.now(), transport: this.transport, attempts: 0 };
    this.moves = new MoveTracker({ rest: this.rest, log: this.log });
  }

  // ---- lifecycle ----

  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    this.log.info(`connecting to ${this.target.baseUrl} (transport ${this.transportMode})`);
    const first = new Promise<void>((r) => (this.firstOutcome = r));
    this.connect();
    this.every(Math.min(250, this.livenessMs / 4), () => this.checkLiveness());
    return first;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => undefined);
    this.ws?.terminate();
    this.ws = null;
    this.failTasks('client closed');
    await this.moves.close();
    this.setConn({ status: 'closed', error: undefined });
    this.firstOutcome?.();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t as unknown as NodeJS.Timeout);
  }

  private setConn(p: Partial<ConnectionState> & { status: ConnectionState['status'] }): void {
    const changed = p.status !== this.conn.status || p.error !== this.conn.error;
    this.conn = { ...this.conn, ...p, transport: this.transport, since: p.status !== this.conn.status ? Date.now() : this.conn.since };
    if (p.status === 'connected') this.conn.attempts = 0;
    if (!changed) return;
    if (p.status === 'lost') this.log.warn(`daemon link lost: ${p.error ?? 'unknown'}`);
    if (p.status === 'connected') this.log.info(`daemon link up (${this.transport})`);
    const snap = this.connection();
    for (const cb of this.connListeners) {
      try {
        cb(snap);
      } catch (err) {
        this.log.error(`connection listener threw: ${errorMessage(err)}`);
      }
    }
    if (p.status === 'connected' || p.status === 'lost') {
      this.firstOutcome?.();
      this.firstOutcome = null;
    }
  }

  private lose(reason: string): void {
    if (this.closed) return;
    if (this.conn.status !== 'lost') this.setConn({ status: 'lost', error: reason });
    this.failTasks(`connection lost: ${reason}`);
  }

  /**
   * `reachy-mini.local` needs an mDNS-aware resolver (nss-mdns/avahi on Linux). When the system cannot resolve a
   * `.local` name, look the robot up over mDNS ourselves (its `_reachy-mini._tcp` advert) and use its address.
   */
  private async tryMdns(errCode: string): Promise<boolean> {
    const host = this.target.host;
    // At most one browse per 10 s while the robot stays unresolvable (it may still be booting).
    if (Date.now() - this.mdnsTriedAt < 10_000 || errCode !== 'ENOTFOUND' || !/\.local\.?$/i.test(host)) return false;
    this.mdnsTriedAt = Date.now();
    const addr = await resolveLocalName(host, this.mdnsTimeoutMs).catch(() => null);
    if (!addr || this.closed) return false;
    this.rest.baseUrl = makeTarget('host', addr, this.target.port).baseUrl;
    this.log.info(`resolved ${host} over mDNS: ${this.rest.baseUrl}`);
    return true;
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const attempts = this.conn.attempts + 1;
    this.conn = { ...this.conn, attempts };
    const base = Math.min(this.backoffMax, this.backoffInitial * 2 ** Math.min(10, attempts - 1));
    const delay = base * (0.8 + 0.4 * Math.random());
    this.later(delay, () => this.connect());
  }

  private connect(): void {
    if (this.closed) return;
    if (this.transport === 'websocket') this.connectWs();
    else this.poll();
  }

  // ---- websocket transport ----

  private connectWs(): void {
    const url = this.rest.baseUrl.replace(/^http/, 'ws') + '/ws/sdk';
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: this.rest.timeoutMs });
    this.ws = ws;
    let opened = false;
    let reason = '';
    ws.on('open', () => {
      opened = true;
      this.lastStateAt = Date.now();
      // As the Python SDK does at connect (constructor default).
      this.sendWs({ type: 'set_automatic_body_yaw', enabled: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      reason = `/ws/sdk handshake HTTP ${res.statusCode}`;
      res.resume();
      if (res.statusCode === 404 && this.transportMode === 'auto') {
        this.log.warn('daemon has no /ws/sdk (older than 1.5): falling back to http transport');
        this.transport = 'http';
      }
      ws.terminate();
    });
    ws.on('message', (data) => this.onWsMessage(data.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      reason = reason || err.code || err.message;
    });
    ws.on('close', (code, why) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      const r = reason || (code === 1013 ? 'daemon not ready (1013)' : opened ? `/ws/sdk closed (${code}${why.length ? ' ' + why.toString() : ''})` : 'connection failed');
      this.lose(r);
      if (this.transport === 'http') this.connect();
      else
        void this.tryMdns(reason).then((resolved) => {
          if (resolved) this.connect();
          else this.scheduleReconnect();
        });
    });
  }

  private sendWs(msg: unknown): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  private onWsMessage(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const r = sdkMessage.safeParse(raw);
    if (!r.success) return; // unknown or malformed frames are ignored, as the SDK does
    const m = r.data;
    switch (m.type) {
      case 'joint_positions':
        this.lastJoints = { head: m.head_joint_positions, antennas: m.antennas_joint_positions };
        this.lastStateAt = Date.now();
        return;
      case 'head_pose': {
        this.lastStateAt = Date.now();
        if (!this.lastJoints) return;
        const pose = m.head_pose.flat();
        this.emitState({
          receivedAt: Date.now(),
          headPose: pose,
          headJoints: this.lastJoints.head,
          bodyYaw: this.lastJoints.head[0],
          antennas: this.lastJoints.antennas,
          imu: this.lastImu,
        });
        return;
      }
      case 'imu_data':
        this.lastImu = { accelerometer: m.accelerometer, gyroscope: m.gyroscope, quaternion: m.quaternion, temperature: m.temperature };
        // imu_data follows head_pose in a tick: attach it to the state of the same tick.
        if (this.latest) this.latest = { ...this.latest, imu: this.lastImu };
        return;
      case 'daemon_status':
        // Kept so status reads answer from memory (pushedStatus()) instead of a REST round trip per call.
        this.pushed = { doc: m as unknown as DaemonStatusDoc, receivedAt: Date.now() };
        return;
      case 'task_progress': {
        const t = this.tasks.get(m.uuid);
        if (!t || !m.finished) return;
        this.tasks.delete(m.uuid);
        clearTimeout(t.timer);
        const err = m.error;
        t.resolve({
          uuid: m.uuid,
          status: err === null ? 'completed' : /cancel/i.test(err) ? 'cancelled' : 'failed',
          details: err ?? '',
        });
        return;
      }
    }
  }

  private emitState(s: RobotState): void {
    this.latest = s;
    if (this.conn.status !== 'connected') this.setConn({ status: 'connected', error: undefined });
    for (const cb of this.stateListeners) {
      try {
        cb(s);
      } catch (err) {
        this.log.error(`state listener threw: ${errorMessage(err)}`);
      }
    }
  }

  private checkLiveness(): void {
    if (!this.isStale()) return;
    // Timers run before socket reads in a loop turn: after this process was busy (a long task, a loaded machine)
    // the frames or the poll reply the daemon sent may be waiting unread. Judge only after they have been read
    // (setImmediate runs after this turn's I/O), so a busy process is not mistaken for a lost robot.
    if (this.livenessRecheck) return;
    this.livenessRecheck = true;
    setImmediate(() => {
      this.livenessRecheck = false;
      if (!this.closed) this.expireIfStale();
    });
  }

  private httpWindowMs(): number {
    return Math.max(this.livenessMs, 2 * this.pollMs);
  }

  private isStale(): boolean {
    if (this.transport === 'http') return this.conn.status === 'connected' && Date.now() - this.lastStateAt > this.httpWindowMs();
    return !!this.ws && this.ws.readyState === WebSocket.OPEN && Date.now() - this.lastStateAt > this.livenessMs;
  }

  private expireIfStale(): void {
    if (!this.isStale()) return;
    if (this.transport === 'http') {
      // A hung daemon: the poll is still waiting for its timeout, but the state is already stale.
      this.lose(`no state for ${(this.httpWindowMs() / 1000).toFixed(1)} s`);
      return;
    }
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      this.lose(`no state for ${(this.livenessMs / 1000).toFixed(1)} s`);
      this.scheduleReconnect();
    }
  }

  private failTasks(reason: string): void {
    for (const [uuid, t] of this.tasks) {
      clearTimeout(t.timer);
      t.resolve({ uuid, status: 'failed', details: reason });
    }
    this.tasks.clear();
  }

  // ---- http transport ----

  private poll(): void {
    const started = Date.now();
    restCall<unknown>(this.rest, 'GET', '/api/state/full?with_head_joints=true&use_pose_matrix=true').then(
      (doc) => {
        if (this.closed) return;
        const st = parseFullState(doc);
        if (!st) {
          this.lose('unexpected /api/state/full reply');
          this.scheduleReconnect();
          return;
        }
        this.lastStateAt = Date.now();
        this.emitState(st);
        this.later(Math.max(0, this.pollMs - (Date.now() - started)), () => this.poll());
      },
      (err: unknown) => {
        if (this.closed) return;
        const msg = errorMessage(err);
        this.lose(msg);
        void this.tryMdns(/ENOTFOUND/.test(msg) ? 'ENOTFOUND' : '').then((resolved) => {
          if (resolved) this.connect();
          else this.scheduleReconnect();
        });
      },
    );
  }

  // ---- state ----

  connection(): ConnectionState {
    return { ...this.conn };
  }

  onConnection(cb: (state: ConnectionState) => void): () => void {
    this.connListeners.add(cb);
    return () => this.connListeners.delete(cb);
  }

  latestState(): RobotState | null {
    return this.latest;
  }

  pushedStatus(): { doc: DaemonStatusDoc; receivedAt: number } | null {
    return this.pushed;
  }

  async fetchState(): Promise<RobotState> {
    const doc = await this.call<unknown>('GET', '/api/state/full?with_head_joints=true&use_pose_matrix=true');
    const st = parseFullState(doc);
    if (!st) throw new DaemonError('unexpected /api/state/full reply', null);
    return st;
  }

  onState(cb: (state: RobotState) => void): () => void {
    this.stateListeners.add(cb);
    return () => this.stateListeners.delete(cb);
  }

  // ---- commands ----

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new DaemonError('client closed', null));
    return restCall<T>(this.rest, method, path, body);
  }

  daemonStatus(): Promise<DaemonStatusDoc> {
    return this.call<DaemonStatusDoc>('GET', '/api/daemon/status');
  }

  async setTarget(target: RealtimeTarget): Promise<void> {
    const t = check(realtimeSchema, target, 'setTarget');
    if (this.transport === 'websocket') {
      const msg: Record<string, unknown> = { type: 'set_full_target' };
      if (t.headPose) msg.head = t.headPose;
      if (t.antennas) msg.antennas = t.antennas;
      if (t.bodyYaw !== undefined) msg.body_yaw = t.bodyYaw;
      if (this.sendWs(msg)) return;
      // /ws/sdk is down: REST still works when only the stream was dropped.
    }
    const body: Record<string, unknown> = {};
    if (t.headPose) body.target_head_pose = { m: t.headPose };
    if (t.antennas) body.target_antennas = t.antennas;
    if (t.bodyYaw !== undefined) body.target_body_yaw = t.bodyYaw;
    await this.call('POST', '/api/move/set_target', body);
  }

  async goto(req: GotoRequest): Promise<MoveHandle> {
    const g = check(gotoSchema, req, 'goto');
    const method = g.interpolation ?? 'minjerk';
    if (this.transport === 'websocket' && this.ws?.readyState === WebSocket.OPEN) {
      const uuid = crypto.randomUUID();
      const done = new Promise<MoveOutcome>((resolve) => {
        const timer = setTimeout(() => {
          this.tasks.delete(uuid);
          resolve({ uuid, status: 'failed', details: `no task_progress within ${g.durationS} s + ${this.moveSlack} ms` });
        }, g.durationS * 1000 + this.moveSlack);
        this.tasks.set(uuid, { resolve, timer });
      });
      const sent = this.sendWs({
        type: 'task',
        uuid,
        req: { head: (g.headPose as Mat4 | null | undefined) ?? null, antennas: g.antennas ?? null, duration: g.durationS, method, body_yaw: g.bodyYaw ?? null },
        timestamp: naiveLocalIso(Date.now()),
      });
      if (sent) return { uuid, done };
      const t = this.tasks.get(uuid);
      if (t) clearTimeout(t.timer);
      this.tasks.delete(uuid);
    }
    // REST goto: the daemon ignores `interpolation` here and always uses min-jerk (docs/DAEMON.md §14.3).
    const body: Record<string, unknown> = { duration: g.durationS, interpolation: method };
    if (g.headPose) body.head_pose = { m: g.headPose };
    if (g.antennas) body.antennas = g.antennas;
    if (g.bodyYaw !== undefined && g.bodyYaw !== null) body.body_yaw = g.bodyYaw;
    return this.moves.run(() => this.call<{ uuid: string }>('POST', '/api/move/goto', body));
  }

  async wakeUp(): Promise<MoveHandle> {
    // wake_up does not enable the motors itself (goto_sleep leaves them off); the TS SDK enables them first.
    await this.setMotorMode('enabled');
    return this.moves.run(() => this.call<{ uuid: string }>('POST', '/api/move/play/wake_up'));
  }

  gotoSleep(): Promise<MoveHandle> {
    return this.moves.run(() => this.call<{ uuid: string }>('POST', '/api/move/play/goto_sleep'));
  }

  async stopMove(uuid?: string): Promise<void> {
    if (uuid !== undefined && this.tasks.has(uuid)) {
      // A /ws/sdk task is not a REST task: only stop_move on the same link stops it.
      this.sendWs({ type: 'stop_move' });
      return;
    }
    const stopOne = async (u: string): Promise<void> => {
      try {
        await this.call('POST', '/api/move/stop', { uuid: u });
      } catch (err) {
        // Unknown uuid → 500 (KeyError in the daemon), 422 for a malformed one: nothing to stop.
        if (err instanceof DaemonError && (err.status === 500 || err.status === 422)) return;
        throw err;
      }
    };
    if (uuid !== undefined) return stopOne(uuid);
    this.sendWs({ type: 'stop_move' });
    const running = await this.call<Array<{ uuid: string }>>('GET', '/api/move/running');
    await Promise.all(running.map((r) => stopOne(r.uuid)));
  }

  async runningMoves(): Promise<string[]> {
    const running = await this.call<Array<{ uuid: string }>>('GET', '/api/move/running');
    return [...running.map((r) => r.uuid), ...this.tasks.keys()];
  }

  async setAutomaticBodyYaw(enabled: boolean): Promise<void> {
    const msg = { type: 'set_automatic_body_yaw', enabled: check(z.boolean(), enabled, 'setAutomaticBodyYaw') };
    if (this.sendWs(msg)) return;
    // No REST route exists for this; open a short-lived /ws/sdk link to send it.
    await oneShotWs(this.rest.baseUrl.replace(/^http/, 'ws') + '/ws/sdk', msg, this.rest.timeoutMs);
  }

  async motorMode(): Promise<MotorMode> {
    const r = await this.call<{ mode: MotorMode }>('GET', '/api/motors/status');
    return r.mode;
  }

  async setMotorMode(mode: MotorMode): Promise<void> {
    const m = check(z.enum(['enabled', 'disabled', 'gravity_compensation']), mode, 'setMotorMode');
    await this.call('POST', `/api/motors/set_mode/${m}`);
  }

  mediaStatus(): Promise<{ available: boolean; released: boolean; no_media: boolean }> {
    return this.call('GET', '/api/media/status');
  }

  async releaseMedia(): Promise<void> {
    await this.call('POST', '/api/media/release');
  }

  async acquireMedia(): Promise<void> {
    await this.call('POST', '/api/media/acquire');
  }

  async playSound(file: string): Promise<void> {
    await this.call('POST', '/api/media/play_sound', { file: check(z.string().min(1).max(4096), file, 'playSound') });
  }

  cameraSpecs(): Promise<CameraSpecs> {
    return this.call('GET', '/api/camera/specs');
  }

  volume(): Promise<{ volume: number; platform: string; device: string }> {
    return this.call('GET', '/api/volume/current');
  }

  async setVolume(volume: number): Promise<{ volume: number; platform: string; device: string }> {
    const v = check(z.number().int().min(0).max(100), volume, 'setVolume');
    return this.call('POST', '/api/volume/set', { volume: v });
  }
}

function oneShotWs(url: string, msg: unknown, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    ws.on('open', () => {
      ws.send(JSON.stringify(msg), () => {
        ws.close();
        resolve();
      });
    });
    ws.on('error', (err) => reject(new DaemonError(`/ws/sdk: ${err.message}`, null)));
    ws.on('unexpected-response', (_q, res) => {
      res.resume();
      reject(new DaemonError(`/ws/sdk handshake HTTP ${res.statusCode}`, res.statusCode ?? null));
      ws.terminate();
    });
  });
}
