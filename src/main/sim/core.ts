/**
 * Daemon-side state of the simulator shared by the REST routes and the WebSocket endpoints: the robot model,
 * the daemon state machine (docs/DAEMON.md §1.3), REST move tasks, background jobs, media/volume bookkeeping and the
 * fault switches.
 */
import { errorMessage } from '../../shared/errors';
import { EventEmitter } from 'node:events';
import type { DaemonStatusDoc } from '../reachy';
import type { SimClock } from './clock';
import { HttpError } from './http';
import type { Move, MoveEnd, SimMode } from './model';
import { RobotModel } from './model';
import type { Rng } from './rng';
import { createRng } from './rng';

export const SIM_VERSION = '1.10.0';

export type DaemonState = DaemonStatusDoc['state'];

export interface MoveEvent {
  type: 'move_started' | 'move_completed' | 'move_failed' | 'move_cancelled';
  uuid: string;
  details: string;
}

export interface JobInfo {
  command: string;
  status: 'pending' | 'in_progress' | 'done' | 'failed';
  logs: string[];
}

export interface PlayedSound {
  file: string;
  /** Simulated ms epoch. */
  t: number;
}

export interface CoreOptions {
  mode: SimMode;
  seed: number;
  clock: SimClock;
  robotName: string;
  noMedia: boolean;
  wakeUpOnStart: boolean;
}

export class SimCore {
  readonly clock: SimClock;
  readonly mode: SimMode;
  readonly opts: CoreOptions;
  readonly rng: Rng;
  private readonly uuidRng: Rng;
  readonly model: RobotModel;
  state: DaemonState = 'not_initialized';
  /** Backend exists and has ticked at least once. */
  backendReady = false;
  backendRunning = false;
  error: string | null = null;
  readonly events = new EventEmitter();
  readonly restMoves = new Map<string, Move>();
  readonly jobs = new Map<string, JobInfo>();
  private busy = false;
  mediaReleased = false;
  readonly played: PlayedSound[] = [];
  volume = 60;
  micVolume = 50;
  // Fault switches.
  forced503 = false;
  stalled = false;

  constructor(opts: CoreOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.mode = opts.mode;
    this.rng = createRng(opts.seed);
    this.uuidRng = createRng((opts.seed ^ 0x5bd1e995) >>> 0);
    this.model = new RobotModel({
      mode: opts.mode,
      rng: this.rng,
      now: opts.clock.now(),
      clock: () => opts.clock.now(),
      newUuid: () => this.newUuid(),
      onSound: (file) => this.recordSound(file),
    });
    this.events.setMaxListeners(0);
  }

  /** Deterministic uuid4 from the seeded stream. */
  newUuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 32; i++) hex.push(Math.floor(this.uuidRng.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  recordSound(file: string): void {
    this.played.push({ file, t: this.clock.now() });
    if (this.played.length > 10_000) this.played.shift();
  }

  /** The `get_backend` dependency: 503 unless the backend runs and is ready. */
  backend(): RobotModel {
    if (this.forced503 || !this.backendRunning || !this.backendReady) throw new HttpError(503, 'Backend not running');
    return this.model;
  }

  backendAvailable(): boolean {
    return !this.forced503 && this.backendRunning && this.backendReady;
  }

  status(): DaemonStatusDoc {
    const running = this.backendRunning;
    return {
      type: 'daemon_status',
      robot_name: this.opts.robotName,
      state: this.state,
      wireless_version: false,
      desktop_app_daemon: false,
      // `robot` mode lags like the MuJoCo backend and says so; `mockup` reports as the daemon's --mockup-sim does.
      simulation_enabled: this.mode === 'robot',
      mockup_sim_enabled: this.mode === 'mockup',
      no_media: this.opts.noMedia,
      media_released: this.mediaReleased,
      camera_specs_name: this.opts.noMedia ? '' : 'generic',
      backend_status: running ? { motor_control_mode: this.model.motorMode, error: null } : null,
      error: this.error,
      wlan_ip: null,
      version: SIM_VERSION,
      hardware_id: null,
      face_target: { detected: false, x: null, y: null, roll: null, ts: null },
    };
  }

  /** One 50 Hz control tick. */
  tick(): void {
    if (!this.backendRunning) return;
    this.model.tick(this.clock.now());
    if (!this.backendReady) {
      this.backendReady = true;
      this.events.emit('ready');
    }
    this.events.emit('tick');
  }

  // ---- REST move tasks (docs/DAEMON.md §2.3, events on /api/move/ws/updates) ----

  trackRestMove(move: Move): string {
    this.restMoves.set(move.uuid, move);
    this.emitMove({ type: 'move_started', uuid: move.uuid, details: '' });
    void move.done.then((end: MoveEnd) => {
      this.restMoves.delete(move.uuid);
      if (end.status === 'completed') this.emitMove({ type: 'move_completed', uuid: move.uuid, details: '' });
      else if (end.status === 'cancelled') this.emitMove({ type: 'move_cancelled', uuid: move.uuid, details: '' });
      else this.emitMove({ type: 'move_failed', uuid: move.uuid, details: end.details });
    });
    return move.uuid;
  }

  private emitMove(e: MoveEvent): void {
    this.events.emit('move', e);
  }

  // ---- daemon lifecycle (docs/DAEMON.md §1.3, §2.1) ----

  private waitReady(): Promise<void> {
    if (this.backendReady) return Promise.resolve();
    return new Promise((r) => this.events.once('ready', () => r()));
  }

  async start(wakeUp: boolean): Promise<void> {
    this.state = 'starting';
    this.error = null;
    this.backendRunning = true;
    this.backendReady = false;
    await this.waitReady();
    this.model.setMotorMode('enabled');
    if (wakeUp) await this.model.wakeUp('internal').done;
    this.state = 'running';
  }

  async stop(gotoSleep: boolean): Promise<void> {
    this.state = 'stopping';
    if (gotoSleep && this.backendRunning && this.backendReady) {
      this.model.stopMove();
      await this.model.gotoSleep('internal').done;
    }
    this.model.stopMove();
    this.backendRunning = false;
    this.backendReady = false;
    // Daemon ≥ 1.9 leaves the motors off after stop.
    this.model.setMotorMode('disabled');
    this.state = 'stopped';
    this.events.emit('stopped');
  }

  /** Runs a start/stop/restart job; 409 when one is already running. */
  runJob(command: string, work: () => Promise<void>): string {
    if (this.busy) throw new HttpError(409, 'Daemon is busy.');
    this.busy = true;
    const id = this.newUuid();
    const job: JobInfo = { command, status: 'in_progress', logs: [] };
    this.jobs.set(id, job);
    work().then(
      () => {
        job.status = 'done';
        job.logs.push(`Job '${command}' completed successfully`);
      },
      (err: unknown) => {
        job.status = 'failed';
        job.logs.push(`Job '${command}' failed with error: ${errorMessage(err)}`);
        this.state = 'error';
        this.error = errorMessage(err);
      },
    ).finally(() => {
      this.busy = false;
    });
    return id;
  }
}
