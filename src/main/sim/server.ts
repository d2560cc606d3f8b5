/**
 * `startSimulator()`: the daemon-compatible HTTP + WebSocket server around SimCore, with the 50 Hz loop, the
 * media hook (extra routes / upgrade handlers) and fault injection.
 */
import { errorMessage } from '../../shared/errors';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { createLogger } from '../log';
import type { Mat4 } from '../reachy';
import type { Cancel, SimClock } from './clock';
import { realClock } from './clock';
import type { PlayedSound } from './core';
import { SimCore } from './core';
import type { HttpMethod, RouteHandler, SimRequest } from './http';
import { HttpError, Router, readBody, send } from './http';
import type { ImuReading } from './imu';
import type { SimMode, TargetLogEntry } from './model';
import { registerRoutes } from './routes';
import { SdkHub, attachMoveUpdates, attachSetTargetStream, attachStateStream } from './ws';
import type { Advertisement } from './advertise';
import { advertiseSimulator } from './advertise';

const log = createLogger('sim');
const CONTROL_PERIOD_MS = 20;
const CORS_ORIGIN = /^(https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?|tauri:\/\/localhost|https?:\/\/tauri\.localhost|capacitor:\/\/localhost)$/;

export interface SimulatorOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  mode?: SimMode;
  seed?: number;
  /** Defaults to wall time; pass a ManualClock to step time in tests. */
  clock?: SimClock;
  robotName?: string;
  /** Report `no_media: true` (no camera/mic). */
  noMedia?: boolean;
  /** Start the backend at launch (default true). */
  autostart?: boolean;
  /** Play wake_up when the backend starts (default false; the real daemon's default is true). */
  wakeUpOnStart?: boolean;
  /** Advertise `_reachy-mini._tcp` over mDNS (default false). */
  advertise?: boolean;
}

/** What the media helper (and tests) read from the simulated robot. */
export interface SimStateSnapshot {
  /** Simulated ms epoch. */
  time: number;
  /** Present head pose, world frame, row-major 4×4. */
  headPose: Mat4;
  bodyYaw: number;
  /** [right, left] rad. */
  antennas: [number, number];
  /** [body_yaw, stewart_1..6]. */
  joints: number[];
  imu: ImuReading | null;
  motorMode: string;
  mediaReleased: boolean;
}

export type UpgradeHandler = (ws: WebSocket, req: IncomingMessage) => void;

export interface SimulatorFaults {
  /** Terminates every `/ws/sdk` connection (they may reconnect). Returns how many were dropped. */
  dropSdkClients(): number;
  /** While on, no WebSocket stream sends anything (connections stay open). */
  stall(on: boolean): void;
  /** While on, backend routes answer 503 and `/ws/sdk` refuses connections (close 1013). */
  unavailable(on: boolean): void;
  /** While on, HTTP requests are accepted but not answered until it is turned off (a hung daemon). */
  hang(on: boolean): void;
  /** Closes the server abruptly (all sockets destroyed, loop paused). */
  crash(): Promise<void>;
  /** Listens again on the same host and port after a crash. */
  restart(): Promise<void>;
}

export interface Simulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly mode: SimMode;
  readonly seed: number;
  readonly clock: SimClock;
  /** Resolves once the backend has ticked (before that, backend routes answer 503). */
  ready(): Promise<void>;
  /**
   * Resolves true once the daemon state is `running` (its start sequence, wake_up included, is over), false when
   * `timeoutMs` passes first. A driver started before that trips its interlock or sees its first command overridden.
   */
  running(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  state(): SimStateSnapshot;
  /** Every motion command received (set_target, goto, wake_up, goto_sleep), with source and acceptance. */
  targetLog(): TargetLogEntry[];
  clearTargetLog(): void;
  /** Sounds the daemon "played" (play_sound, wake/sleep sequences, volume feedback). */
  playedSounds(): PlayedSound[];
  /** Media hook: extra HTTP routes on the same server (same 422/503/500 conventions). */
  readonly http: { addRoute(method: HttpMethod, path: string, handler: RouteHandler): void };
  /** Media hook: extra WebSocket endpoints; returns an unregister function. */
  onUpgrade(path: string, handler: UpgradeHandler): () => void;
  /** Called after every control tick (50 Hz, simulated time). */
  onTick(cb: () => void): () => void;
  readonly faults: SimulatorFaults;
  /** Internal state, for tests of the simulator itself. */
  readonly core: SimCore;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? realClock();
  const seed = opts.seed ?? 1;
  const mode = opts.mode ?? 'mockup';
  const core = new SimCore({
    mode,
    seed,
    clock,
    robotName: opts.robotName ?? 'reachy_mini',
    noMedia: opts.noMedia ?? false,
    wakeUpOnStart: opts.wakeUpOnStart ?? false,
  });
  const router = new Router();
  registerRoutes(router, core);
  const hub = new SdkHub(core);
  const extraUpgrades = new Map<string, UpgradeHandler>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<Socket>();
  const allWs = new Set<WebSocket>();

  const handleRequest = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const cors: Record<string, string> = {};
    if (origin && CORS_ORIGIN.test(origin)) {
      cors['access-control-allow-origin'] = origin;
      cors['access-control-allow-credentials'] = 'true';
      cors['vary'] = 'Origin';
    }
    if (req.method === 'OPTIONS') {
      if (origin && cors['access-control-allow-origin']) {
        cors['access-control-allow-methods'] = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';
        cors['access-control-allow-headers'] = req.headers['access-control-request-headers'] ?? '*';
        send(res, { status: 200, body: 'OK', headers: cors });
      } else send(res, { status: 400, body: 'Disallowed CORS origin' });
      return;
    }
    if (hung) await hung.promise;
    const m = router.match(req.method ?? 'GET', url.pathname);
    if (m === null) return send(res, { status: 404, json: { detail: 'Not Found' }, headers: cors });
    if (m === 'method_not_allowed') return send(res, { status: 405, json: { detail: 'Method Not Allowed' }, headers: cors });
    try {
      const rawBody = await readBody(req);
      const sreq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, params: m.params, headers: req.headers, rawBody };
      const r = await m.handler(sreq);
      send(res, { ...r, headers: { ...cors, ...(r.headers ?? {}) } });
    } catch (err) {
      if (err instanceof HttpError) send(res, { status: err.status, json: { detail: err.detail }, headers: cors });
      else {
        log.warn(`unhandled error on ${req.method} ${url.pathname}: ${errorMessage(err)}`);
        send(res, { status: 500, body: 'Internal Server Error', headers: cors });
      }
    }
  };

  const handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const extra = extraUpgrades.get(path);
    const builtin: Record<string, (ws: WebSocket) => void> = {
      '/ws/sdk': (ws) => hub.attach(ws),
      '/api/state/ws/full': (ws) => attachStateStream(core, ws, req),
      '/api/move/ws/updates': (ws) => attachMoveUpdates(core, ws),
      '/api/move/ws/set_target': (ws) => attachSetTargetStream(core, ws),
    };
    const handler = extra ? (ws: WebSocket) => extra(ws, req) : builtin[path];
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      allWs.add(ws);
      ws.on('close', () => allWs.delete(ws));
      ws.on('error', () => allWs.delete(ws));
      handler(ws);
    });
  };

  let hung: { promise: Promise<void>; release: () => void } | null = null;
  let server: Server;
  const makeServer = (): Server => {
    const s = createServer((req, res) => {
      handleRequest(req, res).catch((err: unknown) => {
        log.warn(`request failed: ${errorMessage(err)}`);
        if (!res.headersSent) send(res, { status: 500, body: 'Internal Server Error' });
      });
    });
    s.on('upgrade', handleUpgrade);
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    s.on('clientError', (_err, sock: Socket) => sock.destroy());
    return s;
  };
  const listen = (s: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      s.once('error', onError);
      s.listen(port, host, () => {
        s.off('error', onError);
        const addr = s.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });

  server = makeServer();
  const port = await listen(server, opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  let loop: Cancel | null = null;
  let statusLoop: Cancel | null = null;
  const startLoops = (): void => {
    loop = clock.setInterval(() => core.tick(), CONTROL_PERIOD_MS);
    statusLoop = hub.startStatus();
  };
  const stopLoops = (): void => {
    loop?.();
    statusLoop?.();
    loop = statusLoop = null;
  };
  startLoops();
  if (opts.autostart ?? true) {
    core.runJob('daemon-start', () => core.start(core.opts.wakeUpOnStart));
  }
  // Daemon stop closes the SDK links; clients see the loss at once.
  core.events.on('stopped', () => hub.dropAll(1001, 'Daemon stopped'));

  let advert: Advertisement | null = null;
  if (opts.advertise) advert = advertiseSimulator({ name: core.opts.robotName, port, version: '1.10.0', ...(host !== '0.0.0.0' && host !== '::' ? { address: host } : {}) });

  const closeServer = async (): Promise<void> => {
    for (const ws of allWs) ws.terminate();
    allWs.clear();
    hub.dropAll();
    // Destroy open sockets first: server.close() waits for every connection (keep-alive ones included).
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    sockets.clear();
    await closed;
  };

  let crashed = false;
  let stopped = false;

  const sim: Simulator = {
    url,
    host,
    port,
    mode,
    seed,
    clock,
    core,
    ready() {
      if (core.backendReady) return Promise.resolve();
      return new Promise((r) => core.events.once('ready', () => r()));
    },
    async running(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (core.state !== 'running') {
        if (stopped || Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      sim.faults.hang(false);
      stopLoops();
      hub.close();
      advert?.stop();
      if (!crashed) await closeServer();
      wss.close();
    },
    state() {
      const p = core.model.presentState();
      return {
        time: clock.now(),
        headPose: p.headPose,
        bodyYaw: p.bodyYaw,
        antennas: p.antennas,
        joints: p.joints,
        imu: core.model.imuState(),
        motorMode: core.model.motorMode,
        mediaReleased: core.mediaReleased,
      };
    },
    targetLog: () => core.model.targetLog(),
    clearTargetLog: () => core.model.clearTargetLog(),
    playedSounds: () => core.played.slice(),
    http: { addRoute: (method, path, handler) => router.addRoute(method, path, handler) },
    onUpgrade(path, handler) {
      extraUpgrades.set(path, handler);
      return () => {
        if (extraUpgrades.get(path) === handler) extraUpgrades.delete(path);
      };
    },
    onTick(cb) {
      core.events.on('tick', cb);
      return () => core.events.off('tick', cb);
    },
    faults: {
      dropSdkClients: () => hub.dropAll(),
      stall(on) {
        core.stalled = on;
      },
      hang(on) {
        if (on && !hung) {
          let release!: () => void;
          const promise = new Promise<void>((r) => (release = r));
          hung = { promise, release };
        } else if (!on && hung) {
          hung.release();
          hung = null;
        }
      },
      unavailable(on) {
        core.forced503 = on;
        if (on) hub.dropAll(1013, 'Daemon not ready');
      },
      async crash() {
        if (crashed || stopped) return;
        crashed = true;
        stopLoops();
        await closeServer();
      },
      async restart() {
        if (!crashed || stopped) return;
        server = makeServer();
        await listen(server, port);
        crashed = false;
        startLoops();
      },
    },
  };
  return sim;
}
