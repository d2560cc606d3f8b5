/**
 * The runner ConsoleApi group: one policy session at a time through the console's mesh client (the one invoke
 * path). `runnerStart` resolves once the session has started (or rejects with the reason); counters go to every UI
 * as `runner_heartbeat` pushes (4 Hz while running, and a final one). The demo policy runs in-process on a free
 * loopback port for the length of the session.
 */
import { parseDocument } from 'yaml';
import { ConsoleApiError } from '../../shared/console-api/protocol';
import type { RunnerOptions, RunnerStatus, runnerMethods } from '../../shared/console-api/runner';
import type { ConsoleService, ConsoleServiceContext } from '../service';
import type { MeshClient } from '../mesh';
import { ACTION_LAYOUT } from './connectors/reachy-layout';
import { startDemoPolicyServer, type DemoPolicyServer } from './demo/server';
import { ConfigError, errorMessage } from './errors';
import { isModuleKind } from './factories';
import { prepareFromConfig, runBuilt } from './run-from-config';
import type { HeartbeatStats, RunMode } from './types';

const HEARTBEAT_S = 0.25;
const MAX_ERROR_LINES = 20;

interface Running {
  abort: AbortController;
  done: Promise<void>;
  status: RunnerStatus;
  demo?: DemoPolicyServer;
}

function idle(): RunnerStatus {
  return { running: false, steps: 0, applied_steps: 0, safe_stops: 0, errors: 0 };
}

/** Module paths would load code from the console host's disk: the console accepts built-in kinds only. */
function refuseModules(raw: unknown): void {
  const o = (raw ?? {}) as Record<string, unknown>;
  const check = (field: string, v: unknown): void => {
    if (typeof v === 'string' && isModuleKind(v))
      throw new ConsoleApiError({ code: 'bad_request', field, message: `${field}: module kinds ('${v}') cannot be started from the console; use reachy-console run` });
  };
  check('target.kind', (o.target as Record<string, unknown> | undefined)?.kind);
  check('hardware.kind', (o.hardware as Record<string, unknown> | undefined)?.kind);
  const cams = o.cameras;
  if (cams && typeof cams === 'object') for (const [name, c] of Object.entries(cams)) check(`cameras.${name}.kind`, (c as Record<string, unknown> | null)?.kind);
}

export function createRunnerService(ctx: ConsoleServiceContext): ConsoleService<typeof runnerMethods> {
  const log = ctx.logger.child('runner');
  let current: Running | null = null;
  let last: RunnerStatus = idle();

  const publish = (s: RunnerStatus): void => ctx.push({ type: 'runner_heartbeat', heartbeat: { ...s } });

  const applyStats = (s: RunnerStatus, h: HeartbeatStats): void => {
    s.steps = h.step;
    s.applied_steps = h.applied_steps;
    s.safe_stops = h.safe_stops;
    s.errors = h.errors;
    s.stale_chunks = h.stale_chunks;
    s.rate_hz = Math.round(h.rate_hz * 100) / 100;
    s.elapsed_s = Math.round(h.elapsed_s * 10) / 10;
    if (h.last_action_chunk) s.lastActionChunk = h.last_action_chunk;
    if (h.last_error && h.last_error !== s.lastError) {
      s.lastError = h.last_error;
      s.errorLines = [...(s.errorLines ?? []), h.last_error].slice(-MAX_ERROR_LINES);
    }
  };

  /** The robot's camera, when it has one: a robot without media runs the policy on state alone (with a note). */
  const cameraProbe = async (mesh: MeshClient, deviceId: string): Promise<string | null> => {
    try {
      const r = (await mesh.invoke(deviceId, 'capture_video_frame', { encoding: 'thumbnail' }, { timeoutMs: 5000 })) as { data_b64?: unknown; reason?: unknown; status?: unknown };
      if (typeof r?.data_b64 === 'string') return null;
      return `camera unavailable (${String(r?.reason ?? r?.status ?? 'no frame')}): running without images`;
    } catch (err) {
      return `camera unavailable (${errorMessage(err)}): running without images`;
    }
  };

  const inlineConfig = async (o: RunnerOptions, mesh: MeshClient): Promise<{ config: Record<string, unknown>; demo?: DemoPolicyServer; url: string; note?: string }> => {
    const note = o.camera ? await cameraProbe(mesh, o.deviceId) : null;
    let demo: DemoPolicyServer | undefined;
    let target: Record<string, unknown>;
    if (o.policy.kind === 'demo') {
      demo = await startDemoPolicyServer({ port: 0, inferDelayMs: o.policy.inferDelayMs, logger: log.child('demo') });
      const url = o.policy.transport === 'http' ? demo.httpUrl : o.policy.transport === 'openpi' ? demo.openpiUrl : demo.url;
      target = { kind: o.policy.transport, url };
    } else {
      target = { kind: o.policy.kind, url: o.policy.url, timeout_s: o.policy.timeoutS };
    }
    return {
      demo,
      ...(note ? { note } : {}),
      url: String(target.url),
      config: {
        mode: o.mode,
        max_steps: o.maxSteps,
        control_period_s: o.controlPeriodS,
        pipeline_inference: o.pipelineInference,
        stop_on_error: o.stopOnError,
        max_chunk_age_s: o.maxChunkAgeS,
        ...(o.prompt ? { prompt: o.prompt } : {}),
        target,
        hardware: { kind: 'reachy_mini', config: { device_id: o.deviceId, hz: o.hz } },
        cameras: o.camera && !note ? { front: { kind: 'reachy', device_id: o.deviceId, max_edge: 320 } } : {},
      },
    };
  };

  const start = async (input: RunnerOptions & { yaml?: string }): Promise<RunnerStatus> => {
    if (current) throw new ConsoleApiError({ code: 'bad_request', message: 'a policy session is already running (stop it first)' });
    let mesh: MeshClient;
    try {
      mesh = ctx.mesh();
    } catch (err) {
      throw new ConsoleApiError({ code: 'unavailable', message: errorMessage(err) });
    }
    let raw: Record<string, unknown>;
    let demo: DemoPolicyServer | undefined;
    let source: RunnerStatus['source'];
    let policyUrl: string | undefined;
    let note: string | undefined;
    if (input.yaml !== undefined) {
      const doc = parseDocument(input.yaml);
      if (doc.errors.length) throw new ConsoleApiError({ code: 'bad_request', field: 'yaml', message: `yaml: ${doc.errors[0].message.split('\n')[0]}` });
      const parsed = doc.toJS() as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConsoleApiError({ code: 'bad_request', field: 'yaml', message: 'yaml: must be a mapping (mode, target, hardware, cameras, ...)' });
      refuseModules(parsed);
      raw = { ...(parsed as Record<string, unknown>), mode: input.mode };
      source = 'yaml';
      const t = (raw.target as Record<string, unknown> | undefined)?.url;
      if (typeof t === 'string') policyUrl = t;
    } else {
      const built = await inlineConfig(input, mesh);
      raw = built.config;
      note = built.note;
      if (note) log.warn(note);
      demo = built.demo;
      policyUrl = built.url;
      source = input.policy.kind === 'demo' ? 'demo' : 'inline';
    }
    const closeDemo = async (): Promise<void> => {
      await demo?.close().catch((e: unknown) => log.warn(`demo server: ${errorMessage(e)}`));
    };
    let built;
    try {
      built = await prepareFromConfig(raw, { mesh: () => mesh, baseDir: ctx.dataDir });
    } catch (err) {
      await closeDemo();
      if (err instanceof ConfigError) throw new ConsoleApiError({ code: 'bad_request', field: err.path || undefined, message: err.message });
      throw err;
    }
    const mode: RunMode = built.config.mode;
    const hw = built.config.hardware.config as { device_id?: string };
    const status: RunnerStatus = {
      ...idle(),
      running: true,
      mode,
      source,
      deviceId: hw.device_id ?? 'reachy-mini-1',
      ...(policyUrl ? { policyUrl } : {}),
      transport: built.transport.kind,
      startedAt: Date.now(),
      actionLayout: [...ACTION_LAYOUT],
      errorLines: [],
      ...(note ? { note } : {}),
    };
    const abort = new AbortController();
    let started!: () => void;
    let failed!: (e: unknown) => void;
    const startedP = new Promise<void>((res, rej) => {
      started = res;
      failed = rej;
    });
    const run: Running = { abort, status, done: Promise.resolve(), ...(demo ? { demo } : {}) };
    current = run;
    run.done = runBuilt(built, {
      signal: abort.signal,
      logger: log,
      overrides: { heartbeatIntervalS: HEARTBEAT_S },
      onStarted: () => started(),
      onHeartbeat: (h) => {
        applyStats(status, h);
        if (h.running) publish(status);
      },
    })
      .then(
        (r) => {
          status.endReason = r.endReason;
          status.errorLines = r.errors.slice(-MAX_ERROR_LINES);
          if (r.errors.length) status.lastError = r.errors[r.errors.length - 1];
          started();
        },
        (err: unknown) => {
          status.endReason = 'failed_to_start';
          status.lastError = errorMessage(err);
          status.errorLines = [...(status.errorLines ?? []), status.lastError];
          failed(err);
        },
      )
      .finally(async () => {
        status.running = false;
        status.endedAt = Date.now();
        await closeDemo();
        last = { ...status };
        if (current === run) current = null;
        publish(status);
        log.info(`policy session ended (${status.endReason ?? 'unknown'}): steps=${status.steps} applied=${status.applied_steps} safe_stops=${status.safe_stops}`);
      });
    try {
      await startedP;
    } catch (err) {
      await run.done;
      throw new ConsoleApiError({ code: 'unavailable', message: `the policy session could not start: ${errorMessage(err)}` });
    }
    publish(status);
    return { ...status };
  };

  const stop = async (): Promise<RunnerStatus> => {
    const run = current;
    if (!run) return { ...last };
    run.abort.abort();
    await run.done;
    return { ...last };
  };

  return {
    handlers: {
      runnerStart: (input) => start(input),
      runnerStop: () => stop(),
      runnerStatus: async () => (current ? { ...current.status } : { ...last }),
    },
    close: async () => {
      await stop();
    },
  };
}
