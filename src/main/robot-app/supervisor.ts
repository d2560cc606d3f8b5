/**
 * Runs the driver in-process whenever the settings are valid. Every reload (settings saved, credentials uploaded,
 * restart asked) is serialized: the running driver stops motion and sends its departure, its connection closes,
 * then a new one is opened with the new settings. A broker that is down is retried with backoff; bad settings
 * leave the driver stopped with the reason shown.
 */
import { errorMessage } from '../../shared/errors';
import type { DriverState, DriverStatus } from '../../shared/robot-app';
import { createLogger, type Logger } from '../log';
import type { MeshConfig, MeshConnection } from '../mesh';
import { redactUrl } from '../mesh';
import type { ReachyDriverHandle, StartReachyDriverOptions, TripInfo } from '../driver';
import type { DaemonTarget } from '../reachy';
import { describeTarget, resolveRunConfig, type RunConfig } from './resolve';
import { SettingsError, type EffectiveSettings, type FieldError } from './settings';

export type { DriverState, DriverStatus } from '../../shared/robot-app';

/**
 * What the supervisor starts, handed in by the composition root (src/main/app/robot-app-stack.ts): the robot app
 * supervises the mesh connection, the driver and (for `simulate`) the simulator, but does not compose them itself.
 */
export interface RobotAppStack {
  openMesh(config: MeshConfig): Promise<MeshConnection>;
  /** An in-process simulator for a `sim` target, running (its daemon state `running`) when this resolves. */
  startSimulator(opts: { media: boolean; logger: Logger }): Promise<{ target: DaemonTarget; stop(): Promise<void> }>;
  startDriver(opts: StartReachyDriverOptions): Promise<ReachyDriverHandle>;
}

export interface SupervisorOptions {
  /** Current effective settings (file + env), read at every (re)start. */
  load: () => EffectiveSettings;
  stack: RobotAppStack;
  logger?: Logger;
  stateHz?: number;
  /** Retry delays for a broker that is down (ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Running {
  run: RunConfig;
  connection: MeshConnection;
  handle: ReachyDriverHandle;
  stopSim: () => Promise<void>;
  unlisten: Array<() => void>;
}


function interlockView(t: TripInfo | null): NonNullable<DriverStatus['interlock']> {
  if (!t) return { state: 'safe', reason: null, source: null, since: null };
  return { state: 'tripped', reason: t.reason, source: t.from_device ? `${t.source} (${t.from_device})` : t.source, since: new Date(t.ts).toISOString() };
}

export class DriverSupervisor {
  private readonly log: Logger;
  private state: DriverState = 'stopped';
  private current: Running | null = null;
  private chain: Promise<void> = Promise.resolve();
  private gen = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  private lastError: string | null = null;
  private errors: FieldError[] = [];
  private since: string | null = null;
  private restarts = 0;
  private lastRun: RunConfig | null = null;
  private readonly history: Array<{ ts: string; message: string }> = [];
  private closed = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.log = opts.logger ?? createLogger('app/driver');
    this.retryMs = opts.retryMinMs ?? 2_000;
  }

  private note(message: string, level: 'info' | 'warn' = 'info'): void {
    this.history.push({ ts: new Date().toISOString(), message });
    if (this.history.length > 30) this.history.shift();
    this.log[level](message);
  }

  /** Stops whatever runs and starts again from the current settings; resolves when done (or given up). */
  reload(reason: string): Promise<void> {
    const gen = ++this.gen;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryMs = this.opts.retryMinMs ?? 2_000;
    this.chain = this.chain.then(async () => {
      if (gen !== this.gen || this.closed) return;
      if (this.current) {
        this.restarts++;
        this.note(`${reason}: stopping the driver (stop motion, departure)`);
      }
      await this.stopCurrent();
      if (gen !== this.gen || this.closed) return;
      await this.start(gen, reason);
    });
    return this.chain;
  }

  private async stopCurrent(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.state = 'stopping';
    this.current = null;
    for (const u of c.unlisten) u();
    try {
      await c.handle.close();
    } catch (e) {
      this.note(`driver stop: ${errorMessage(e)}`, 'warn');
    }
    await c.connection.close().catch(() => undefined);
    await c.stopSim().catch(() => undefined);
    this.note(`driver ${c.run.deviceId} stopped (departure sent)`);
    this.state = 'stopped';
    this.since = null;
  }

  private async start(gen: number, reason: string): Promise<void> {
    let run: RunConfig;
    try {
      run = resolveRunConfig(this.opts.load());
    } catch (e) {
      this.state = 'not_configured';
      this.errors = e instanceof SettingsError ? e.errors : [];
      this.lastError = errorMessage(e);
      this.lastRun = null;
      this.note(`driver not started: ${this.lastError}`, 'warn');
      return;
    }
    this.errors = [];
    this.lastRun = run;
    this.state = 'starting';
    this.note(`${reason}: starting driver ${run.deviceId} (tenant ${run.mesh.tenant}, broker ${run.mesh.urls.map(redactUrl).join(',')}, robot ${describeTarget(run.target)})`);
    const { stack } = this.opts;
    let connection: MeshConnection;
    try {
      connection = await stack.openMesh(run.mesh);
    } catch (e) {
      this.lastError = `cannot join the mesh: ${errorMessage(e)}`;
      this.scheduleRetry(gen);
      return;
    }
    let stopSim = async (): Promise<void> => undefined;
    let target = run.target;
    try {
      if (target.kind === 'sim') {
        const sim = await stack.startSimulator({ media: run.media, logger: this.log });
        stopSim = () => sim.stop();
        target = sim.target;
      }
      const handle = await stack.startDriver({
        connection,
        target,
        transportMode: run.transportMode,
        deviceId: run.deviceId,
        stateHz: this.opts.stateHz,
        media: run.media,
        logger: this.log,
      });
      if (gen !== this.gen || this.closed) {
        await handle.close().catch(() => undefined);
        await connection.close().catch(() => undefined);
        await stopSim();
        return;
      }
      let link = handle.link();
      const unlisten = [
        connection.onStatus((s) => this.note(`mesh ${s}`, s === 'connected' ? 'info' : 'warn')),
        handle.onLinkChange(() => {
          const now = handle.link();
          if (now !== link) this.note(`daemon link ${now}`, now === 'connected' ? 'info' : 'warn');
          link = now;
        }),
      ];
      this.current = { run, connection, handle, stopSim, unlisten };
      this.state = 'running';
      this.lastError = null;
      this.since = new Date().toISOString();
      this.retryMs = this.opts.retryMinMs ?? 2_000;
      this.note(`driver ${run.deviceId} running: commands on device-connect.${handle.runtime.tenant}.${run.deviceId}.cmd`);
    } catch (e) {
      await connection.close().catch(() => undefined);
      await stopSim().catch(() => undefined);
      this.lastError = `driver failed to start: ${errorMessage(e)}`;
      this.scheduleRetry(gen);
    }
  }

  private scheduleRetry(gen: number): void {
    if (gen !== this.gen || this.closed) return;
    this.state = 'retrying';
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs ?? 30_000);
    this.note(`${this.lastError}; retrying in ${(delay / 1000).toFixed(0)} s`, 'warn');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.chain = this.chain.then(() => (gen === this.gen && !this.closed ? this.start(gen, 'retry') : undefined));
    }, delay);
    this.retryTimer.unref();
  }

  status(): DriverStatus {
    const c = this.current;
    const run = c?.run ?? this.lastRun;
    const meshStatus = c ? c.connection.status() : 'disconnected';
    return {
      state: this.state,
      running: this.state === 'running',
      device_id: run?.deviceId ?? null,
      tenant: run?.mesh.tenant ?? null,
      broker: run ? run.mesh.urls.map(redactUrl).join(',') : null,
      target: run ? describeTarget(run.target) : null,
      portal: run?.portal ?? false,
      mesh: { connected: meshStatus === 'connected', status: c ? meshStatus : 'not connected' },
      daemon: { link: c ? c.handle.link() : 'not connected' },
      interlock: c ? interlockView(c.handle.driver.mirror.interlock.info()) : null,
      last_error: this.lastError,
      errors: this.errors,
      since: this.since,
      restarts: this.restarts,
      history: [...this.history],
    };
  }

  /** Stops the driver for good (SIGINT/SIGTERM). */
  async close(): Promise<void> {
    this.closed = true;
    this.gen++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.chain.catch(() => undefined);
    await this.stopCurrent();
  }
}
