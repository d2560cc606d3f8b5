/**
 * `startReachyDriver`: one call from a mesh connection and a daemon target (or client) to a serving Reachy Mini
 * device: daemon client, media source, driver, DeviceRuntime (device_type reachy_mini) and the mesh client the
 * driver uses to hear `emergency_stop`. The CLI, the console, `mcp --sim` and tests use it.
 */
import { createLogger, type Logger } from '../log';
import { createMediaSource } from '../media';
import { createMeshClient, DeviceRuntime, type DeviceRuntimeConfig, type MeshConnection } from '../mesh';
import type { MeshClient } from '../mesh';
import { createDaemonClient, parseTargetString } from '../reachy';
import type { DaemonClient, DaemonTarget, RealtimeTarget, TransportMode } from '../reachy';
import { createReachyDriver, type ReachyDriver } from './driver';
import { keepLatched, type LatchStore } from './latch-store';
import { DEFAULT_DEVICE_ID } from '../../shared/reachy';
import type { MediaSource } from './function-group';
import { createMediaFunctions } from './media';

export interface StartReachyDriverOptions {
  connection: MeshConnection;
  /** Daemon target ("host[:port]", "http://host:port" or a resolved target); ignored when `daemon` is given. */
  target?: DaemonTarget | string;
  /** An existing daemon client (not closed by the handle unless `ownsDaemon`). */
  daemon?: DaemonClient;
  ownsDaemon?: boolean;
  transportMode?: TransportMode;
  deviceId?: string;
  /** Reported as `status.location` in registration and presence (the reference's device location). */
  location?: string;
  stateHz?: number;
  /** true (default): the simulator's media when the target serves it; false: no media; or a source to use. */
  media?: boolean | MediaSource;
  logger?: Logger;
  heartbeatLogS?: number;
  realtimeMaxHz?: number;
  /** See ReachyDriverOptions.moveSettleMs. */
  moveSettleMs?: number;
  onRealtimeSent?: (t: RealtimeTarget) => void;
  /**
   * Keep the interlock latched across restarts in this record, for this robot (`latchTarget()`): the driver starts
   * tripped when a trip of this device id or robot is recorded, and every trip and reset is recorded as it happens
   * (docs/SAFETY.md "A trip stays latched"). The console, the robot app and the headless driver each pass theirs.
   */
  latch?: { store: LatchStore; target: string };
  /** DeviceRuntime tuning (tests shorten presence timings). */
  runtime?: Partial<Pick<DeviceRuntimeConfig, 'ttlS' | 'presenceTiming' | 'registerJitterMs' | 'location'>>;
}

export interface ReachyDriverHandle {
  readonly deviceId: string;
  readonly driver: ReachyDriver;
  readonly runtime: DeviceRuntime;
  readonly daemon: DaemonClient;
  /** The driver's own mesh client (listens for emergency_stop). */
  readonly mesh: MeshClient;
  /** Daemon link status in words ("connected", "lost: ECONNREFUSED"). */
  link(): string;
  onLinkChange(cb: () => void): () => void;
  /** Stops motion, sends departure, closes the driver's mesh client (not the connection) and owned daemon. */
  close(): Promise<void>;
  stop(): Promise<void>;
}

function toTarget(t: DaemonTarget | string | undefined): DaemonTarget {
  if (t === undefined) throw new Error('startReachyDriver needs a daemon target or a daemon client');
  return typeof t === 'string' ? parseTargetString(t, 'target') : t;
}

export async function startReachyDriver(opts: StartReachyDriverOptions): Promise<ReachyDriverHandle> {
  const log = opts.logger ?? createLogger('driver');
  let daemon = opts.daemon;
  let ownsDaemon = opts.ownsDaemon ?? false;
  if (!daemon) {
    const target = toTarget(opts.target);
    daemon = createDaemonClient({ target, transportMode: opts.transportMode ?? 'auto', logger: log.child('daemon') });
    ownsDaemon = true;
    await daemon.start();
  }

  let media: MediaSource | undefined;
  if (opts.media === undefined || opts.media === true) {
    media = await createMediaSource(daemon.target);
    log.info(media ? `media: ${media.kind} source` : 'media: no source for this target (media functions answer unsupported)');
  } else if (opts.media !== false) {
    media = opts.media;
  } else {
    log.info('media: disabled (--no-media)');
  }

  const latched = opts.latch?.store.get(opts.deviceId ?? DEFAULT_DEVICE_ID, opts.latch.target);
  if (latched) {
    log.warn(`starting with the interlock still tripped (${latched.reason}; recorded in ${opts.latch?.store.path}); reset_interlock clears it when it is safe to move`);
  }
  const driver = createReachyDriver({
    daemon,
    deviceId: opts.deviceId,
    location: opts.location,
    stateHz: opts.stateHz,
    media,
    groups: [(deps) => createMediaFunctions(deps)],
    logger: log,
    heartbeatLogS: opts.heartbeatLogS,
    realtimeMaxHz: opts.realtimeMaxHz,
    moveSettleMs: opts.moveSettleMs,
    onRealtimeSent: opts.onRealtimeSent,
    ...(latched ? { startTripped: latched } : {}),
  });
  const runtime = new DeviceRuntime({
    ...driver.runtimeOptions(),
    ...opts.runtime,
    connection: opts.connection,
    logger: log.child('runtime'),
  });
  const mesh = createMeshClient({ connection: opts.connection, ownsConnection: false, logger: log.child('mesh') });
  try {
    await runtime.start();
    await driver.start(runtime, { mesh });
  } catch (e) {
    await driver.stop().catch(() => undefined);
    await runtime.stop().catch(() => undefined);
    await mesh.close().catch(() => undefined);
    if (ownsDaemon) await daemon.close().catch(() => undefined);
    throw e;
  }
  log.info(
    `device ${driver.deviceId} (reachy_mini) serving on ${opts.connection.description.replace(/\/\/[^@/\s]*@/g, '//***@')}, tenant ${runtime.tenant}, ` +
      `${driver.functions.length} functions`,
  );

  // Records the interlock from here on; released (with its last state) before the driver stops.
  const releaseLatch = opts.latch ? keepLatched(opts.latch.store, driver, opts.latch.target) : null;
  const d = daemon;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      releaseLatch?.();
      await driver.stop();
      await runtime.stop();
      await mesh.close();
      if (ownsDaemon) await d.close();
      log.info(`device ${driver.deviceId} stopped (departure sent)`);
    })();
    return closed;
  };
  return {
    deviceId: driver.deviceId,
    driver,
    runtime,
    daemon: d,
    mesh,
    link: () => {
      const c = d.connection();
      return c.error && c.status !== 'connected' ? `${c.status}: ${c.error}` : c.status;
    },
    onLinkChange: (cb) => d.onConnection(() => cb()),
    close,
    stop: close,
  };
}
