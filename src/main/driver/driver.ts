/**
 * The Reachy Mini Device Connect driver (docs/SAFETY.md): one function table (state, motion, ownership, plus function groups
 * such as media), the state mirror, the safety interlock wiring and the state_event stream. It knows the daemon
 * client and the mesh contracts only; whoever hosts it (the CLI, the console, `mcp --sim`, tests) creates the
 * DeviceRuntime from `runtimeOptions()` and calls `start(runtime)`.
 */
import { errorMessage } from '../../shared/errors';
import { clipText, STORED_TEXT_MAX_CHARS } from '../../shared/bounded';
import { rad2deg } from '../../shared/kinematics';
import { DEFAULT_DEVICE_ID, DEVICE_TYPE } from '../../shared/reachy';
import type { JsonObject } from '../../shared/wire';
import { createLogger, type Logger } from '../log';
import type {
  DeviceFunction,
  DeviceRuntimeHandle,
  DeviceRuntimeOptions,
  EventDeclaration,
  FunctionContext,
  MeshClient,
} from '../mesh';
import type { ConnectionState, DaemonClient, RealtimeTarget } from '../reachy';
import type { DriverContext } from './context';
import { driverEvents, EMERGENCY_STOP_EVENT, SAFETY_EVENT, STATE_EVENT } from './events';
import type { DriverFunctionGroup, DriverFunctionGroupFactory, MediaSource } from './function-group';
import type { TripInfo, TripSource } from './interlock';
import { MotionController } from './motion';
import { motionFunctions } from './motion-functions';
import { lookAtImageFunctions } from './look-at-image';
import { startDoaPoller, type DoaPoller } from './doa';
import { ownershipFunctions } from './ownership-functions';
import { observedView } from './pose';
import { StateMirror } from './state-mirror';
import { stateFunctions } from './state-functions';

export interface ReachyDriverOptions {
  daemon: DaemonClient;
  deviceId?: string;
  /** state_event rate; 0 = off (default 20). */
  stateHz?: number;
  media?: MediaSource;
  /** Extra function groups (the media group: `createMediaFunctions`). */
  groups?: DriverFunctionGroupFactory[];
  logger?: Logger;
  /** Seconds between heartbeat log lines (default 30, 0 = off). */
  heartbeatLogS?: number;
  /** Realtime stream limit (default LIMITS.realtimeMaxHz). */
  realtimeMaxHz?: number;
  /** How long the observed pose may take to reach a move's target after the daemon reports it finished (ms, default 3000). */
  moveSettleMs?: number;
  /** Instrumentation: called after each realtime target handed to the daemon. */
  onRealtimeSent?: (target: RealtimeTarget) => void;
  location?: string;
  /**
   * A trip that is still latched from before this driver started (a restart by its host): the driver starts
   * tripped with this reason and source, and only reset_interlock clears it. See docs/SAFETY.md.
   */
  startTripped?: TripInfo;
}

export interface DriverStartOptions {
  /** A mesh client on the same mesh: the driver listens there for `emergency_stop` from any device. */
  mesh?: MeshClient;
}

export interface DriverCounters {
  invokes: number;
  errors: number;
  stateEvents: number;
  trips: number;
}

export interface ReachyDriver {
  readonly deviceId: string;
  readonly functions: DeviceFunction[];
  readonly events: EventDeclaration[];
  readonly daemon: DaemonClient;
  readonly mirror: StateMirror;
  runtimeOptions(): DeviceRuntimeOptions;
  start(runtime: DeviceRuntimeHandle, opts?: DriverStartOptions): Promise<void>;
  /** Stops motion (best effort), timers, subscriptions and function groups. Does not stop the runtime or daemon. */
  stop(): Promise<void>;
  /** Trips the interlock from the host (e.g. an in-process E-STOP button); emits safety_event. */
  trip(reason: string, source?: TripSource): void;
  counters(): DriverCounters & { realtime: MotionController['stats'] };
}


/** Functions labelled `stop: "true"`: they only ever stop the robot. */
const STOP_FUNCTIONS = new Set(['stop_motion']);

export function createReachyDriver(opts: ReachyDriverOptions): ReachyDriver {
  const deviceId = opts.deviceId ?? DEFAULT_DEVICE_ID;
  const stateHz = opts.stateHz ?? 20;
  if (!(stateHz >= 0 && stateHz <= 100)) throw new Error(`stateHz=${stateHz} outside allowed range [0, 100]`);
  const log = opts.logger ?? createLogger('driver');
  const daemon = opts.daemon;
  const mirror = new StateMirror({ deviceId, daemon });
  const motion = new MotionController({
    daemon,
    mirror,
    logger: log.child('motion'),
    maxHz: opts.realtimeMaxHz,
    settleMs: opts.moveSettleMs,
    onSent: opts.onRealtimeSent,
  });

  let runtime: DeviceRuntimeHandle | null = null;
  const emit = (name: string, payload: JsonObject): void => {
    if (!runtime) return;
    try {
      runtime.emit(name, payload);
    } catch (e) {
      log.warn(`event ${name} not emitted: ${errorMessage(e)}`);
    }
  };
  const ctx: DriverContext = { deviceId, daemon, mirror, motion, logger: log, emit };

  const groups: DriverFunctionGroup[] = (opts.groups ?? []).map((factory) =>
    factory({ daemon, state: mirror, emit, logger: log.child('media'), media: opts.media }),
  );

  const counters: DriverCounters = { invokes: 0, errors: 0, stateEvents: 0, trips: 0 };
  const refused = (name: string, e: unknown): void => {
    counters.errors++;
    log.debug(`${name} refused: ${errorMessage(e)}`);
  };
  // A handler that answers synchronously (a state read from the mirror) stays synchronous: no promise per call.
  const counted = (f: DeviceFunction): DeviceFunction => ({
    ...f,
    handler: (params: unknown, c: FunctionContext) => {
      counters.invokes++;
      let out: unknown;
      try {
        out = f.handler(params, c);
      } catch (e) {
        refused(f.name, e);
        throw e;
      }
      if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(out).catch((e: unknown) => {
          refused(f.name, e);
          throw e;
        });
      }
      return out;
    },
  });

  // Labels group the table for readers (the console's function explorer, MCP allow-lists and tool annotations):
  // what reads, what moves, and which function stops (always allowed, even by a read-only MCP bridge).
  const label = (fs: DeviceFunction[], group: string, access: 'read' | 'motion' | 'control'): DeviceFunction[] =>
    fs.map((f) => ({ ...f, labels: { ...(f.labels ?? {}), group, access, ...(STOP_FUNCTIONS.has(f.name) ? { stop: 'true' } : {}) } }));
  const core = [
    ...label(stateFunctions(ctx), 'state', 'read'),
    ...label(motionFunctions(ctx), 'motion', 'motion'),
    ...label(lookAtImageFunctions(ctx), 'motion', 'motion'),
    ...label(ownershipFunctions(ctx), 'ownership', 'control'),
  ];
  const functions = [...core, ...groups.flatMap((g) => g.functions)].map(counted);
  const seen = new Set<string>();
  for (const f of functions) {
    if (seen.has(f.name)) throw new Error(`driver function '${f.name}' declared twice`);
    seen.add(f.name);
  }
  const declared = new Set(driverEvents.map((e) => e.name));
  const events = [...driverEvents, ...groups.flatMap((g) => g.events).filter((e) => !declared.has(e.name))];

  const cleanups: Array<() => void> = [];
  let started = false;

  // Every trip: one safety_event, and the robot is stopped (best effort; the daemon may be the thing that is gone).
  mirror.interlock.onTrip((t: TripInfo) => {
    counters.trips++;
    log.warn(`interlock tripped (${t.source}${t.from_device ? ` ${t.from_device}` : ''}): ${t.reason}`);
    emit(SAFETY_EVENT, {
      kind: 'interlock_tripped',
      state: 'tripped',
      reason: t.reason,
      source: t.source,
      ...(t.from_device ? { from_device: t.from_device } : {}),
    });
    if (daemon.connection().status === 'connected') void motion.stop(`interlock: ${t.reason}`);
    else motion.dropPending();
  });

  let doaPoller: DoaPoller | null = null;
  const statePayload = (): JsonObject => {
    const s = daemon.latestState();
    const v = s ? observedView(s) : null;
    const link = daemon.connection();
    return {
      head_pose: v?.head_pose ?? null,
      body_yaw_deg: v?.body_yaw_deg ?? null,
      body_yaw_rad: s?.bodyYaw ?? null,
      antennas_deg: v?.antennas_deg ?? null,
      head_joints_deg: v?.head_joints_deg ?? null,
      imu: s?.imu ? { ...s.imu } : null,
      received_at: s ? s.receivedAt / 1000 : null,
      link: { status: link.status, transport: link.transport, error: link.error ?? null },
      driver_state: mirror.snapshot(),
      doa: doaPoller?.latest() ?? null,
    };
  };

  function onLink(state: ConnectionState, prev: string): void {
    mirror.touch();
    if (state.status === 'lost' && prev !== 'lost') {
      mirror.interlock.trip(`robot daemon link lost${state.error ? `: ${state.error}` : ''}`, 'daemon');
    } else if (state.status === 'connected' && prev !== 'connected') {
      log.info(`daemon link up (${state.transport}) at ${daemon.target.baseUrl}`);
      // A (re)started daemon may still run its start sequence (wake_up): motion waits for it.
      motion.watchDaemonStart();
    }
  }

  return {
    deviceId,
    functions,
    events,
    daemon,
    mirror,

    runtimeOptions(): DeviceRuntimeOptions {
      return {
        deviceId,
        deviceType: DEVICE_TYPE,
        description:
          'Reachy Mini desktop robot (Pollen Robotics): head with 6-DoF Stewart platform, rotating body, two ' +
          'antennas, camera, microphone and speaker. Angles in degrees, offsets in millimetres. Motion is refused ' +
          'while another owner holds the lease or the safety interlock is tripped; stop_motion always works.',
        identity: {
          manufacturer: 'Pollen Robotics',
          model: 'Reachy Mini',
          description: 'Reachy Mini driver (TypeScript, Device Connect)',
        },
        labels: { robot: 'reachy_mini', target: daemon.target.kind },
        ...(opts.location ? { location: opts.location } : {}),
        functions,
        events,
        status: () => mirror.deviceStatus(),
      };
    },

    async start(rt: DeviceRuntimeHandle, startOpts: DriverStartOptions = {}): Promise<void> {
      if (started) throw new Error('driver already started');
      started = true;
      runtime = rt;

      cleanups.push(
        mirror.onChange(() => {
          if (mirror.availabilityChanged()) rt.statusChanged();
        }),
      );

      let prev = daemon.connection().status;
      cleanups.push(
        daemon.onConnection((s) => {
          const p = prev;
          prev = s.status;
          onLink(s, p);
        }),
      );
      // A latched trip goes first so it stays the reported cause.
      const latched = opts.startTripped;
      if (latched) {
        mirror.interlock.trip(
          `${latched.reason} (latched since ${new Date(latched.ts).toISOString()}; reset_interlock clears it)`,
          latched.source,
          latched.from_device,
        );
      }
      const link = daemon.connection();
      if (link.status === 'lost') {
        mirror.interlock.trip(`robot daemon unreachable at start${link.error ? `: ${link.error}` : ''}`, 'daemon');
      } else if (link.status === 'connected') {
        // A daemon started with the driver (systemd, --sim) may still play its start-up wake_up: motion waits for it.
        motion.watchDaemonStart();
      }

      // Joint stream log: first sample, then stalls/recoveries are visible through the link state and heartbeat.
      let samples = 0;
      let firstLogged = false;
      cleanups.push(
        daemon.onState((s) => {
          samples++;
          if (!firstLogged) {
            firstLogged = true;
            log.info(
              `joint stream up: body yaw ${rad2deg(s.bodyYaw).toFixed(1)}°, ${s.headJoints ? '7 head joints' : 'no joints (http)'}, ` +
                `IMU ${s.imu ? 'yes' : 'no'}`,
            );
          }
        }),
      );

      if (startOpts.mesh) {
        const mesh = startOpts.mesh;
        cleanups.push(
          // Any message on the subject trips, whatever its shape (fail safe); the interlock bounds the texts.
          mesh.subscribe(
            '*',
            EMERGENCY_STOP_EVENT,
            (ev) => {
              const given = ev.params.reason;
              const reason = ev.malformed
                ? `malformed message, ${ev.malformed}`
                : typeof given === 'string' && given
                  ? clipText(given, STORED_TEXT_MAX_CHARS)
                  : 'emergency stop';
              const src: TripSource = ev.params.source === 'operator' ? 'operator' : 'mesh';
              mirror.interlock.trip(`emergency_stop from ${clipText(ev.device_id, 64)}: ${reason}`, src, ev.device_id);
            },
            { includeMalformed: true },
          ),
        );
      }

      if (stateHz > 0) {
        const doa = startDoaPoller(daemon.target.baseUrl);
        doaPoller = doa;
        cleanups.push(() => doa.stop());
        const t = setInterval(() => {
          counters.stateEvents++;
          emit(STATE_EVENT, statePayload());
        }, 1000 / stateHz);
        t.unref?.();
        cleanups.push(() => clearInterval(t));
      }

      const hbS = opts.heartbeatLogS ?? 30;
      if (hbS > 0) {
        let lastSamples = 0;
        let lastT = Date.now();
        const t = setInterval(() => {
          const now = Date.now();
          const hz = ((samples - lastSamples) * 1000) / Math.max(1, now - lastT);
          lastSamples = samples;
          lastT = now;
          const l = daemon.connection();
          const lease = mirror.lease.snapshot();
          const it = mirror.interlock.info();
          log.info(
            `heartbeat: daemon ${l.status}${l.error ? ` (${l.error})` : ''}, joint stream ${hz.toFixed(1)} Hz, ` +
              `invokes ${counters.invokes} (${counters.errors} refused), execution ${mirror.executionState()}, ` +
              `interlock ${it ? `tripped: ${it.reason}` : 'safe'}, lease ${lease.lease_active ? `${lease.command_owner} ${lease.lease_remaining_s.toFixed(1)} s` : 'free'}`,
          );
        }, hbS * 1000);
        t.unref?.();
        cleanups.push(() => clearInterval(t));
      }

      for (const g of groups) {
        try {
          await g.start?.();
        } catch (e) {
          log.warn(`function group failed to start: ${errorMessage(e)}`);
        }
      }
      rt.statusChanged();
    },

    async stop(): Promise<void> {
      for (const c of cleanups.splice(0)) c();
      if (started && daemon.connection().status === 'connected') await motion.stop('driver shutdown');
      motion.close();
      for (const g of groups) {
        try {
          await g.stop?.();
        } catch (e) {
          log.warn(`function group failed to stop: ${errorMessage(e)}`);
        }
      }
      try {
        await opts.media?.close?.();
      } catch (e) {
        log.warn(`media source failed to close: ${errorMessage(e)}`);
      }
      runtime = null;
    },

    trip(reason: string, source: TripSource = 'operator'): void {
      mirror.interlock.trip(reason, source);
    },

    counters() {
      return { ...counters, realtime: { ...motion.stats } };
    },
  };
}
