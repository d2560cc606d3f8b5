/**
 * ConsoleHost: runs the mesh, simulator and driver through the Backends it is given, hosts the plug-in services
 * (listed in src/main/app/services.ts) next to its own core service, and implements the ConsoleApi. Every robot
 * action goes through MeshClient.invoke; the host never calls the driver or daemon.
 * Each UI connection (a WebSocket, an Electron window) is a session with its own event subscriptions.
 */
import { errorMessage } from '../../shared/errors';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import {
  ConsoleApiError,
  type ConsoleMethodName,
  type ConsolePush,
  type ConsoleSnapshot,
  type InvokeResult,
  type LogLine,
  type MeshSettings,
  type Settings,
} from '../../shared/console-api';
import type { coreMethods } from '../../shared/console-api/core';
import type { JsonObject } from '../../shared/wire';
import { DEVICE_TYPE } from '../../shared/reachy';
import { addLogSink, createLogger, type Logger } from '../log';
import type { DeviceRuntimeHandle, MeshClient } from '../mesh';
import { connectWithRetry, redactUrl, type PendingConnection } from '../mesh';
import { ConnectionHistory, hostDiagnostics } from './diagnostics';
import type { Backends, DriverHandle, MeshHandle, SimHandle } from './backends';
import { LatchStore } from '../driver';
import { dispatchFrame, toErrorBody } from './dispatch';
import { throttleLatest } from '../../shared/rate';
import { createSettingsStore, type SettingsStore } from './settings';
import type { ConsoleSession, ConsoleServiceContext, ServiceHandlers } from '../service';
import { loadServices, type LoadedService } from './load-services';

export const OPERATOR_OWNER = 'operator';
const LOG_RING = 2000;
/** At most four `devices_changed` pushes a second: each makes every UI list the whole fleet again. */
export const DEVICES_CHANGED_MIN_MS = 250;
/** Per UI connection: the console UI needs one ('*'/'*'); the cap keeps one client from multiplying every event. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 32;

interface DriverOpts {
  target: string;
  deviceId: string;
  stateHz: number;
  media: boolean;
}

export interface ConsoleHostOptions {
  backends: Backends;
  settings?: SettingsStore;
  dataDir?: string;
  logger?: Logger;
  /** Max distinct event subscriptions per UI connection (default MAX_SUBSCRIPTIONS_PER_SESSION). */
  maxSubscriptionsPerSession?: number;
}

export type { ConsoleSession } from '../service';

interface SubSpec {
  deviceId: string;
  eventName: string;
  unsubscribe: (() => void) | null;
}

interface SessionState {
  id: number;
  send: (p: ConsolePush) => void;
  subs: Map<number, SubSpec>;
  closed: boolean;
}

function shortHost(): string {
  const h = hostname().split('.')[0].toLowerCase().replace(/[^a-z0-9_-]/g, '-').replace(/^-+/, '');
  return (h || 'host').slice(0, 40);
}

function resolveDaemonUrl(target: string, sim: SimHandle | null): string {
  if (target === 'sim') {
    if (!sim) throw new ConsoleApiError({ code: 'unavailable', message: 'target is the simulator, but the simulator is not running (start it first)' });
    return sim.url;
  }
  return target.includes(':') ? `http://${target}` : `http://${target}:8000`;
}

export class ConsoleHost {
  readonly consoleDeviceId = `console-${shortHost()}`;
  private readonly backends: Backends;
  private readonly settingsStore: SettingsStore;
  private readonly logger: Logger;
  private readonly dataDir: string;
  private readonly logs: LogLine[] = [];
  /** Tells the UIs to list the devices again; a presence storm is coalesced (the last change always goes out). */
  private readonly devicesChanged = throttleLatest(() => this.broadcast({ type: 'devices_changed' }), DEVICES_CHANGED_MIN_MS);
  private readonly history = new ConnectionHistory();
  private readonly sessions = new Map<number, SessionState>();
  private nextSessionId = 1;
  private nextSubId = 1;
  private mesh: MeshHandle | null = null;
  private meshSettings: MeshSettings = { kind: 'local' };
  private meshStatus: ConsoleSnapshot['mesh']['status'] = 'disconnected';
  private meshError: string | undefined;
  private meshOffs: Array<() => void> = [];
  private runtime: DeviceRuntimeHandle | null = null;
  private sim: SimHandle | null = null;
  private simError: string | undefined;
  private driver: DriverHandle | null = null;
  private driverTarget: string | undefined;
  /** The driver the operator wants running (it follows mesh switches and the bundled simulator); null: none. */
  private driverOpts: DriverOpts | null = null;
  private driverError: string | undefined;
  private driverOff: (() => void) | null = null;
  /** Set while the console waits for its broker at start-up (see bootstrap). */
  private meshWait: PendingConnection<MeshHandle> | null = null;
  private latchStore: LatchStore | null = null;
  private settingsProblem: string | undefined;
  private busy: ConsoleSnapshot['busy'];
  private queue: Promise<unknown> = Promise.resolve();
  private services: LoadedService[] = [];
  private readonly removeLogSink: () => void;
  private readonly maxSubs: number;
  private closed = false;

  constructor(opts: ConsoleHostOptions) {
    this.backends = opts.backends;
    this.settingsStore = opts.settings ?? createSettingsStore();
    this.logger = opts.logger ?? createLogger('console');
    this.dataDir = opts.dataDir ?? join(homedir(), '.local', 'share', 'reachy-console');
    this.maxSubs = opts.maxSubscriptionsPerSession ?? MAX_SUBSCRIPTIONS_PER_SESSION;
    this.removeLogSink = addLogSink((r) => {
      const line: LogLine = { ts: r.ts, level: r.level, scope: r.scope, message: r.message };
      this.logs.push(line);
      if (this.logs.length > LOG_RING) this.logs.splice(0, this.logs.length - LOG_RING);
      if (r.level !== 'debug') this.broadcast({ type: 'log', record: line });
    });
  }

  /** Starts the plug-in services the backends list (mcp, panorama, runner: src/main/app/services.ts). */
  async init(loadPlugins = true): Promise<void> {
    if (!loadPlugins) return;
    const ctx: ConsoleServiceContext = {
      mesh: () => this.requireMesh().client,
      push: (p) => this.broadcast(p),
      logger: this.logger,
      dataDir: ensureDir(this.dataDir),
    };
    this.services = await loadServices(ctx, this.logger, this.backends.services ?? []);
  }

  // ------------------------------------------------------------------------------------------------ sessions

  openSession(send: (p: ConsolePush) => void): ConsoleSession {
    const state: SessionState = { id: this.nextSessionId++, send, subs: new Map(), closed: false };
    this.sessions.set(state.id, state);
    return {
      id: state.id,
      handle: (frame) => dispatchFrame(frame, (method, input) => this.route(state, method, input)),
      close: () => {
        // A request still in flight after close must not attach anything (see subscribe()).
        state.closed = true;
        for (const sub of state.subs.values()) sub.unsubscribe?.();
        state.subs.clear();
        this.sessions.delete(state.id);
      },
    };
  }

  /** Open UI sessions and their event subscriptions (attached = live on the current mesh). */
  subscriptionStats(): { sessions: number; subscriptions: number; attached: number } {
    let subscriptions = 0;
    let attached = 0;
    for (const s of this.sessions.values()) {
      subscriptions += s.subs.size;
      for (const sub of s.subs.values()) if (sub.unsubscribe) attached++;
    }
    return { sessions: this.sessions.size, subscriptions, attached };
  }

  private broadcast(p: ConsolePush): void {
    for (const s of this.sessions.values()) {
      try {
        s.send(p);
      } catch {
        // a closing transport; its session is removed by its own close handler
      }
    }
  }

  private pushSnapshot(): void {
    const snapshot = this.snapshot();
    this.history.record(snapshot);
    this.broadcast({ type: 'snapshot', snapshot });
  }

  /** Runs state-changing work one at a time, with the "busy" indicator the UI shows as progress. */
  private serial<T>(what: string, work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.busy = { what, since: Date.now() };
      this.pushSnapshot();
      try {
        return await work();
      } finally {
        this.busy = undefined;
        this.pushSnapshot();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  // ------------------------------------------------------------------------------------------------ routing

  private async route(session: SessionState, method: ConsoleMethodName, input: unknown): Promise<unknown> {
    if (this.closed) throw new ConsoleApiError({ code: 'unavailable', message: 'the console is shutting down' });
    // The dispatcher validated `input` against the method's schema, so each handler gets its declared input type.
    const services: object[] = [this.coreService(session), ...this.services.map((s) => s.service.handlers)];
    for (const handlers of services) {
      if (!Object.hasOwn(handlers, method)) continue;
      const h = (handlers as Record<string, unknown>)[method];
      if (typeof h === 'function') return (h as (i: unknown) => Promise<unknown>)(input);
    }
    throw new ConsoleApiError({ code: 'unavailable', message: `'${method}' is not available in this build (its service is not installed)` });
  }

  /** The core ConsoleApi methods, as one more service: typed handlers (the dispatcher validated each input). */
  private coreService(session: SessionState): ServiceHandlers<typeof coreMethods> {
    return {
      getSnapshot: async () => this.snapshot(),
      connectMesh: (i) => this.connectMesh(i),
      disconnectMesh: () => this.disconnectMesh(),
      startSimulator: (i) => this.startSimulator(i),
      stopSimulator: () => this.stopSimulator(),
      startDriver: (i) => this.startDriver(i),
      stopDriver: () => this.stopDriver(),
      listDevices: () => this.requireMesh().client.listDevices(),
      invoke: (x) => this.invoke(x.deviceId, x.fn, x.params as JsonObject, x.timeoutMs),
      subscribe: async (i) => this.subscribe(session, i),
      unsubscribe: async ({ subscriptionId }) => {
        const sub = session.subs.get(subscriptionId);
        if (!sub) throw new ConsoleApiError({ code: 'not_found', message: `no subscription ${subscriptionId}`, field: 'subscriptionId' });
        sub.unsubscribe?.();
        session.subs.delete(subscriptionId);
        return { ok: true };
      },
      takeLease: (x) => {
        const params: JsonObject = { owner: OPERATOR_OWNER, ttl_s: x.ttlS };
        if (x.preempt) params.preempt = true;
        return this.invoke(x.deviceId, 'acquire_lease', params);
      },
      releaseLease: (x) => this.invoke(x.deviceId, 'release_lease', { owner: OPERATOR_OWNER }),
      resetInterlock: (x) => this.invoke(x.deviceId, 'reset_interlock', { owner: OPERATOR_OWNER, reason: x.reason }),
      estop: (x) => this.estop(x.reason),
      exportDiagnostics: async (x) =>
        hostDiagnostics({ settings: this.loadSettings(), snapshot: this.snapshot(), logs: this.logs.slice(-x.logLimit), history: this.history.list() }),
      readLogs: async (x) => this.logs.slice(-x.limit),
      loadSettings: async () => this.loadSettings(),
      saveSettings: async (i) => {
        const saved = this.settingsStore.save(i);
        this.logger.info(`settings saved to ${this.settingsStore.path}`);
        return saved;
      },
    };
  }

  // ------------------------------------------------------------------------------------------------ state

  snapshot(): ConsoleSnapshot {
    const m = this.meshSettings;
    return {
      mesh: {
        kind: m.kind,
        status: this.meshStatus,
        urls: m.kind === 'nats' ? m.urls : [],
        tenant: m.kind === 'nats' ? m.tenant : 'default',
        discoveryMode: m.kind === 'nats' ? m.discoveryMode : 'd2d',
        hasCredentials: m.kind === 'nats' && !!m.credentialsFile,
        ...(this.meshError ? { error: this.meshError } : {}),
      },
      sim: this.sim
        ? { running: true, url: this.sim.url, mode: this.sim.mode }
        : { running: false, ...(this.simError ? { error: this.simError } : {}) },
      driver: this.driver
        ? { running: true, deviceId: this.driver.deviceId, target: this.driverTarget, link: this.driver.link() }
        : { running: false, ...(this.driverError ? { error: this.driverError } : {}) },
      consoleDeviceId: this.consoleDeviceId,
      operatorOwner: OPERATOR_OWNER,
      ...(this.busy ? { busy: this.busy } : {}),
    };
  }

  loadSettings(): Settings {
    try {
      return this.settingsStore.load();
    } catch (err) {
      throw new ConsoleApiError({ code: 'bad_request', message: errorMessage(err) });
    }
  }

  private requireMesh(): MeshHandle {
    if (!this.mesh) throw new ConsoleApiError({ code: 'unavailable', message: 'the console is not connected to a mesh (Settings → Connect)' });
    return this.mesh;
  }

  // ------------------------------------------------------------------------------------------------ mesh

  /**
   * Switches the console (and its bundled driver) to another mesh. The new connection is opened first: when it
   * fails, the working mesh and driver stay as they are. `waitForBroker` (start-up, nothing to keep): a broker that
   * does not answer yet is waited for in the background, and everything that needs the mesh follows once it is up.
   */
  connectMesh(settings: MeshSettings, opts: { waitForBroker?: boolean } = {}): Promise<ConsoleSnapshot> {
    const where = settings.kind === 'nats' ? settings.urls.map(redactUrl).join(', ') : 'in-process';
    return this.serial(`connecting to the ${settings.kind === 'local' ? 'local' : 'NATS'} mesh`, async () => {
      this.cancelMeshWait();
      const open = (): Promise<MeshHandle> => this.backends.openMesh(settings, this.logger.child('mesh'));
      const failed = (err: unknown): ConsoleApiError => {
        const message = errorMessage(err);
        if (this.mesh) {
          const current = this.meshSettings.kind === 'nats' ? `NATS mesh (${this.meshSettings.urls.map(redactUrl).join(', ')})` : 'local mesh';
          this.logger.warn(`mesh connection to ${where} failed: ${message}; staying on the ${current}`);
          return new ConsoleApiError({ code: 'unavailable', message: `could not connect to the mesh: ${message} (still connected to the ${current})` });
        }
        this.meshSettings = settings;
        this.meshStatus = 'error';
        this.meshError = message;
        this.logger.warn(`mesh connection failed: ${message}`);
        return new ConsoleApiError({ code: 'unavailable', message: `could not connect to the mesh: ${message}` });
      };
      if (!(opts.waitForBroker && settings.kind === 'nats' && !this.mesh)) {
        let handle: MeshHandle;
        try {
          handle = await open();
        } catch (err) {
          throw failed(err);
        }
        await this.installMesh(settings, handle);
        return this.snapshot();
      }
      let pending: PendingConnection<MeshHandle>;
      try {
        pending = await connectWithRetry(open, (h) => h.close(), { logger: this.logger, who: 'the console', where });
      } catch (err) {
        throw failed(err);
      }
      const now = pending.current();
      if (now) {
        await this.installMesh(settings, now);
        return this.snapshot();
      }
      this.meshWait = pending;
      this.meshSettings = settings;
      this.meshStatus = 'connecting';
      this.meshError = `waiting for the broker at ${where} (${pending.lastError()}); retrying`;
      pending.ready.then(
        (handle) => {
          void this.serial(`joining the NATS mesh (${where})`, async () => {
            if (this.meshWait !== pending || this.closed) {
              await handle.close().catch(() => undefined);
              return;
            }
            this.meshWait = null;
            await this.installMesh(settings, handle);
          }).catch((err: unknown) => this.logger.error(`joining the mesh at ${where}: ${errorMessage(err)}`));
        },
        (err: unknown) => {
          if (this.meshWait !== pending) return;
          this.meshWait = null;
          this.meshStatus = 'error';
          this.meshError = errorMessage(err);
          this.pushSnapshot();
        },
      );
      return this.snapshot();
    });
  }

  private cancelMeshWait(): void {
    const w = this.meshWait;
    this.meshWait = null;
    w?.cancel();
  }

  /** Makes `handle` the console's mesh: the old one goes (its driver stopped first), the wanted driver follows. */
  private async installMesh(settings: MeshSettings, handle: MeshHandle): Promise<void> {
    const follow = this.driverOpts;
    await this.teardownMesh();
    this.meshSettings = settings;
    this.meshError = undefined;
    this.mesh = handle;
    this.meshStatus = handle.client.connectionStatus();
    this.meshOffs.push(
      handle.client.onConnectionStatus((s) => {
        this.meshStatus = s;
        this.pushSnapshot();
      }),
      handle.client.onDevicesChanged(() => this.devicesChanged.call()),
      () => this.devicesChanged.cancel(),
    );
    const where = settings.kind === 'nats' ? settings.urls.map(redactUrl).join(', ') : 'in-process';
    this.logger.info(`connected to the ${settings.kind} mesh (${where})`);
    await this.startConsoleRuntime(handle);
    for (const s of this.sessions.values()) for (const [id, sub] of s.subs) this.attachSub(s, sub, handle.client, id);
    // The bundled driver follows the console onto the new mesh.
    if (follow) await this.followDriver(follow, 'the mesh is up');
  }

  disconnectMesh(): Promise<ConsoleSnapshot> {
    return this.serial('disconnecting from the mesh', async () => {
      this.cancelMeshWait();
      this.meshError = undefined;
      await this.teardownMesh();
      return this.snapshot();
    });
  }

  private async startConsoleRuntime(handle: MeshHandle): Promise<void> {
    try {
      this.runtime = await handle.createRuntime({
        deviceId: this.consoleDeviceId,
        deviceType: 'operator_console',
        description: 'Reachy Mini operator console: source of operator emergency stops.',
        functions: [],
        events: [{ name: 'emergency_stop', description: 'Operator emergency stop: every driver trips its interlock and stops.' }],
        status: () => ({ availability: 'available', online: true }),
      });
      await this.runtime.start();
    } catch (err) {
      this.runtime = null;
      this.logger.warn(`console device could not join the mesh (E-STOP will only stop_motion): ${errorMessage(err)}`);
    }
  }

  private async teardownMesh(): Promise<void> {
    await this.doStopDriver(false);
    for (const off of this.meshOffs.splice(0)) off();
    for (const s of this.sessions.values()) for (const sub of s.subs.values()) {
      sub.unsubscribe?.();
      sub.unsubscribe = null;
    }
    const rt = this.runtime;
    this.runtime = null;
    await rt?.stop().catch((err: unknown) => this.logger.warn(`console device stop: ${errorMessage(err)}`));
    const mesh = this.mesh;
    this.mesh = null;
    this.meshStatus = 'disconnected';
    if (mesh) {
      await mesh.close().catch((err: unknown) => this.logger.warn(`mesh close: ${errorMessage(err)}`));
      this.logger.info('disconnected from the mesh');
    }
  }

  // ------------------------------------------------------------------------------------------------ sim + driver

  startSimulator(input: { port?: number; mode?: 'robot' | 'mockup' }): Promise<ConsoleSnapshot> {
    return this.serial('starting the simulator', async () => {
      if (this.sim) return this.snapshot();
      const settings = this.safeSettings();
      const mode = input.mode ?? settings.simMode;
      try {
        this.sim = await this.backends.startSimulator({ port: input.port, mode, media: settings.media, logger: this.logger.child('sim') });
        this.simError = undefined;
        this.logger.info(`simulator running at ${this.sim.url} (${mode} mode)`);
      } catch (err) {
        this.simError = errorMessage(err);
        throw new ConsoleApiError({ code: 'unavailable', message: `could not start the simulator: ${this.simError}` });
      }
      // The bundled driver of the simulator comes back with it (on the simulator's new port).
      const want = this.driverOpts;
      if (want?.target === 'sim' && !this.driver && this.mesh) await this.followDriver(want, 'the simulator is up');
      return this.snapshot();
    });
  }

  stopSimulator(): Promise<ConsoleSnapshot> {
    return this.serial('stopping the simulator', async () => {
      const sim = this.sim;
      if (sim && this.driver && this.driverTarget === 'sim') {
        // Its driver stops first, in order (motion stopped, departure sent), and starts again with the simulator,
        // instead of staying behind on a port nobody serves.
        await this.doStopDriver(false);
        this.driverError = 'stopped with the simulator; it starts again when the simulator starts';
      }
      this.sim = null;
      if (sim) {
        await sim.close();
        this.logger.info('simulator stopped');
      }
      return this.snapshot();
    });
  }

  startDriver(input: { target: string; deviceId?: string; stateHz?: number; media?: boolean }): Promise<ConsoleSnapshot> {
    return this.serial(`starting the driver (${input.target})`, async () => {
      const s = this.safeSettings();
      const opts = {
        target: input.target,
        deviceId: input.deviceId ?? s.deviceId,
        stateHz: input.stateHz ?? s.stateHz,
        media: input.media ?? s.media,
      };
      await this.doStopDriver(false);
      if (!this.mesh && this.meshWait) {
        // Bring-up with the broker still down: the driver starts as soon as the mesh is up.
        this.driverOpts = opts;
        this.driverError = `waiting for the mesh (${this.meshError ?? 'broker not reachable yet'}); the driver starts once it is connected`;
        this.logger.info(`driver ${opts.deviceId} will start once the mesh is connected`);
        return this.snapshot();
      }
      try {
        await this.doStartDriver(opts);
      } catch (err) {
        this.driverOpts = null;
        throw err;
      }
      return this.snapshot();
    });
  }

  stopDriver(): Promise<ConsoleSnapshot> {
    return this.serial('stopping the driver', async () => {
      await this.doStopDriver(true);
      this.driverError = undefined;
      return this.snapshot();
    });
  }

  /** Starts the wanted driver again after its mesh or simulator came back; a failure is logged, not thrown. */
  private async followDriver(opts: DriverOpts, why: string): Promise<void> {
    if (opts.target === 'sim' && !this.sim) {
      this.driverError = 'waiting for the simulator; the driver starts again when it runs';
      return;
    }
    try {
      await this.doStartDriver(opts);
    } catch (err) {
      this.logger.warn(`driver ${opts.deviceId} did not start again after ${why}: ${errorMessage(err)}`);
    }
  }

  private latches(): LatchStore {
    this.latchStore ??= new LatchStore(this.dataDir, this.logger.child('interlock'));
    return this.latchStore;
  }

  private async doStartDriver(opts: DriverOpts): Promise<void> {
    const mesh = this.requireMesh();
    const daemonUrl = resolveDaemonUrl(opts.target, this.sim);
    this.driverOpts = opts;
    try {
      const driver = await this.backends.startDriver({
        mesh,
        daemonUrl,
        deviceId: opts.deviceId,
        stateHz: opts.stateHz,
        media: opts.media,
        logger: this.logger.child('driver'),
        // A trip latched before (an E-STOP, a lost link) holds across restarts until reset_interlock clears it: the
        // driver starts tripped from this record and records every trip and reset in it (docs/SAFETY.md).
        latch: { store: this.latches(), target: opts.target },
      });
      this.driver = driver;
      this.driverTarget = opts.target;
      this.driverError = undefined;
      this.driverOff = driver.onLinkChange?.(() => this.pushSnapshot()) ?? null;
      this.logger.info(`driver ${opts.deviceId} running against ${opts.target === 'sim' ? `the simulator (${daemonUrl})` : daemonUrl}`);
    } catch (err) {
      this.driver = null;
      this.driverError = errorMessage(err);
      throw new ConsoleApiError({ code: 'unavailable', message: `could not start the driver: ${this.driverError}` });
    }
  }

  private async doStopDriver(forget: boolean): Promise<void> {
    if (forget) this.driverOpts = null;
    const d = this.driver;
    // Its close records its last interlock state, which the next start of this device (or robot) inherits.
    this.driverOff?.();
    this.driverOff = null;
    this.driver = null;
    this.driverTarget = undefined;
    if (d) {
      await d.close().catch((err: unknown) => this.logger.warn(`driver stop: ${errorMessage(err)}`));
      this.logger.info(`driver ${d.deviceId} stopped`);
    }
  }

  /** Settings for the bring-up: a file that cannot be used is said once (file and reason), then defaults apply. */
  private safeSettings(): Settings {
    try {
      return this.settingsStore.load();
    } catch (err) {
      const message = errorMessage(err);
      if (message !== this.settingsProblem) {
        this.settingsProblem = message;
        this.logger.error(`${message}; using the default settings until they are fixed or saved from the Settings panel`);
      }
      return { mesh: { kind: 'local' }, target: 'sim', deviceId: 'reachy-mini-1', stateHz: 20, media: true, simMode: 'robot' };
    }
  }

  // ------------------------------------------------------------------------------------------------ invoke + events

  /** Resolves with the device's result; a refusal, timeout or missing device rejects (ConsoleApiError with elapsedMs). */
  async invoke(deviceId: string, fn: string, params: JsonObject, timeoutMs?: number): Promise<InvokeResult> {
    const client = this.requireMesh().client;
    const t0 = performance.now();
    try {
      const result = await client.invoke(deviceId, fn, params, { timeoutMs, sourceDevice: this.consoleDeviceId });
      return { result, elapsedMs: performance.now() - t0 };
    } catch (err) {
      throw new ConsoleApiError({ ...toErrorBody(err), elapsedMs: performance.now() - t0 });
    }
  }

  private subscribe(session: SessionState, input: { deviceId: string; eventName: string }): { subscriptionId: number } {
    if (session.closed) throw new ConsoleApiError({ code: 'unavailable', message: 'this console connection is closed' });
    // Idempotent per connection: the same (deviceId, eventName) again returns the existing subscription, so a
    // client cannot multiply one event stream; unsubscribe ends it for that connection.
    for (const [existing, sub] of session.subs) {
      if (sub.deviceId === input.deviceId && sub.eventName === input.eventName) return { subscriptionId: existing };
    }
    if (session.subs.size >= this.maxSubs) {
      throw new ConsoleApiError({
        code: 'bad_request',
        message: `too many subscriptions on this connection (max ${this.maxSubs}); unsubscribe first, or subscribe to '*' for every event`,
      });
    }
    const id = this.nextSubId++;
    const sub: SubSpec = { deviceId: input.deviceId, eventName: input.eventName, unsubscribe: null };
    session.subs.set(id, sub);
    // Subscriptions outlive mesh switches: they are re-attached when the console connects elsewhere.
    if (this.mesh) this.attachSub(session, sub, this.mesh.client, id);
    return { subscriptionId: id };
  }

  private attachSub(session: SessionState, sub: SubSpec, client: MeshClient, id: number): void {
    sub.unsubscribe?.();
    sub.unsubscribe = client.subscribe(sub.deviceId, sub.eventName, (event) => {
      try {
        session.send({ type: 'mesh_event', event, subscriptionIds: [id] });
      } catch {
        // transport closing
      }
    });
  }

  async estop(reason: string): Promise<{ stopped: string[]; event: boolean }> {
    this.logger.warn(`E-STOP by the operator: ${reason}`);
    let event = false;
    if (this.runtime) {
      try {
        // source 'operator': drivers report the trip as the operator's E-STOP (the console's id is the event's device_id).
        this.runtime.emit('emergency_stop', { reason, source: 'operator' });
        event = true;
      } catch (err) {
        this.logger.error(`E-STOP event could not be sent: ${errorMessage(err)}`);
      }
    }
    const client = this.requireMesh().client;
    let robots: string[] = [];
    try {
      robots = (await client.listDevices({ deviceType: DEVICE_TYPE })).filter((d) => d.online !== false).map((d) => d.device_id);
    } catch (err) {
      this.logger.error(`E-STOP could not list devices: ${errorMessage(err)}`);
    }
    if (this.driver && !robots.includes(this.driver.deviceId)) robots.push(this.driver.deviceId);
    const results = await Promise.all(
      robots.map(async (id) => {
        try {
          await client.invoke(id, 'stop_motion', { owner: OPERATOR_OWNER }, { timeoutMs: 3000, sourceDevice: this.consoleDeviceId });
          return id;
        } catch (err) {
          this.logger.error(`E-STOP: stop_motion on ${id} failed: ${errorMessage(err)}`);
          return null;
        }
      }),
    );
    return { stopped: results.filter((x): x is string => x !== null), event };
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  /** The default bring-up: mesh from settings, then the simulator and the driver when the target is `sim`. */
  async bootstrap(opts: { sim?: boolean; driver?: boolean } = {}): Promise<void> {
    const s = this.safeSettings();
    await this.connectMesh(s.mesh, { waitForBroker: true });
    const useSim = opts.sim ?? s.target === 'sim';
    if (useSim) await this.startSimulator({ mode: s.simMode });
    if (opts.driver ?? true) await this.startDriver({ target: useSim ? 'sim' : s.target, deviceId: s.deviceId, stateHz: s.stateHz, media: s.media });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessions.values()]) for (const sub of s.subs.values()) sub.unsubscribe?.();
    this.sessions.clear();
    this.cancelMeshWait();
    for (const svc of this.services) await svc.service.close().catch(() => undefined);
    await this.queue.catch(() => undefined);
    await this.teardownMesh();
    const sim = this.sim;
    this.sim = null;
    await sim?.close().catch(() => undefined);
    this.removeLogSink();
  }
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
