/**
 * runFromConfig("robot.yaml" | object): validates the whole config (every section, custom modules loaded), builds
 * the connector, cameras and transport, and only then runs the session. A bad config throws ConfigError naming
 * every bad field and starts nothing.
 */
import type { Logger } from '../log';
import { parseRunnerConfig, readConfigFile, type RunnerConfig } from './config';
import { ConfigError } from './errors';
import { buildCamera, buildConnector, buildTransport, collect, type FactoryContext } from './factories';
import { runSession } from './session';
import type { CameraSource, HeartbeatStats, PolicyMetadata, PolicyTransport, RobotConnector, RunnerResult, RunMode } from './types';

export interface RunFromConfigOptions extends Omit<FactoryContext, 'baseDir'> {
  onHeartbeat?: (stats: HeartbeatStats) => void;
  onStarted?: (metadata: PolicyMetadata) => void;
  signal?: AbortSignal;
  logger?: Logger;
  /** Overrides of the file's values (CLI flags, console panel). */
  overrides?: { mode?: RunMode; maxSteps?: number; heartbeatIntervalS?: number };
  /** Folder for relative module paths when `config` is an object (default: cwd). */
  baseDir?: string;
}

export interface BuiltSession {
  config: RunnerConfig;
  connector: RobotConnector;
  transport: PolicyTransport;
  cameras: Record<string, CameraSource>;
}

/** Validates and builds; throws ConfigError (all issues) before anything is started. */
export async function prepareFromConfig(config: string | object, opts: RunFromConfigOptions = {}): Promise<BuiltSession> {
  let raw: unknown = config;
  let baseDir = opts.baseDir ?? process.cwd();
  if (typeof config === 'string') ({ raw, baseDir } = readConfigFile(config));
  const cfg = parseRunnerConfig(raw);
  const ctx: FactoryContext = { baseDir, ...(opts.mesh ? { mesh: opts.mesh } : {}) };
  const { kind: tKind, ...tCfg } = cfg.target;
  let transport: PolicyTransport | undefined;
  let connector: RobotConnector | undefined;
  const cameras: Record<string, CameraSource> = {};
  const { issues } = await collect<unknown>([
    async () => (transport = await buildTransport(tKind, tCfg, ctx, ['target'])),
    async () => (connector = await buildConnector(cfg.hardware.kind, cfg.hardware.config, ctx, ['hardware'])),
    ...Object.entries(cfg.cameras).map(([name, c]) => async () => {
      const { kind, ...rest } = c;
      cameras[name] = await buildCamera(kind, rest, ctx, ['cameras', name]);
    }),
  ]);
  if (issues.length || !transport || !connector) throw new ConfigError(issues);
  return { config: cfg, connector, transport, cameras };
}

export async function runFromConfig(config: string | object, opts: RunFromConfigOptions = {}): Promise<RunnerResult> {
  return runBuilt(await prepareFromConfig(config, opts), opts);
}

/** Runs a session already validated and built by prepareFromConfig. */
export async function runBuilt(built: BuiltSession, opts: RunFromConfigOptions = {}): Promise<RunnerResult> {
  const c = built.config;
  const o = opts.overrides ?? {};
  return runSession({
    connector: built.connector,
    transport: built.transport,
    cameras: built.cameras,
    mode: o.mode ?? c.mode,
    maxSteps: o.maxSteps ?? c.max_steps,
    controlPeriodS: c.control_period_s,
    stopOnError: c.stop_on_error,
    pipelineInference: c.pipeline_inference,
    heartbeatIntervalS: o.heartbeatIntervalS ?? c.heartbeat_interval_s,
    maxChunkAgeS: c.max_chunk_age_s,
    ...(c.infer_timeout_s !== undefined ? { inferTimeoutS: c.infer_timeout_s } : {}),
    ...(c.prompt !== undefined ? { prompt: c.prompt } : {}),
    ...(opts.onHeartbeat ? { onHeartbeat: opts.onHeartbeat } : {}),
    ...(opts.onStarted ? { onStarted: opts.onStarted } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
