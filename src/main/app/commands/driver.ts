/**
 * `reachy-console driver`: the headless Reachy Mini driver (README.md), flags and env as the prior Python driver.
 * Joins the configured mesh, talks to the daemon (or starts the simulator in-process with --sim), serves until
 * SIGINT/SIGTERM, then stops motion and sends departure.
 */
import { errorMessage } from '../../../shared/errors';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import { DEFAULT_DEVICE_ID } from '../../../shared/reachy';
import { DEVICE_ID_PATTERN } from '../../../shared/wire';
import type { MeshConfig } from '../../mesh';
import { redactUrl } from '../../mesh';
import type { DaemonTarget, TransportMode } from '../../reachy';
import { applyPriorDriverFlags, defaultSettingsPath, PRIOR_FLAG_OPTIONS, PRIOR_FLAGS_HELP } from '../../robot-app';
import { dirname } from 'node:path';

const HELP = `Usage: reachy-console driver [options]

Runs the Reachy Mini Device Connect driver headless: joins the mesh as device_type reachy_mini and serves the
robot's functions (state, motion, ownership, media) to agents, the MCP bridge and the console.

Robot (daemon) target — flags win over the environment:
  --sim                     start the simulated robot in this process (env REACHY_SIM=true)
  --target <host[:port]|sim> daemon address (env REACHY_TARGET), default localhost:8000
  --host <name>             daemon host name, e.g. reachy-mini.local (env REACHY_HOST), port 8000
  --transport-mode <m>      auto | websocket | http (env REACHY_TRANSPORT_MODE, default auto)
  --sim-mode <m>            with --sim: robot (rate-limited, default) | mockup (snaps to targets)

Device Connect:
  --device-id <id>          device id (env DEVICE_ID, default ${DEFAULT_DEVICE_ID})
  --location <name>         where the robot is, e.g. lab-1 (env REACHY_LOCATION); agents group and filter by it
  --tenant <name>           tenant (env TENANT, default "default")
  --messaging-url <url>     broker URL(s), comma-separated or repeated (env MESSAGING_URLS / NATS_URL)
  --credentials-file <file> .creds.json or nsc .creds (env MESSAGING_CREDENTIALS_FILE / NATS_CREDENTIALS_FILE)
  --allow-insecure          allow a broker without credentials (env DEVICE_CONNECT_ALLOW_INSECURE=true)
  --discovery-mode <m>      d2d | infra (env DEVICE_CONNECT_DISCOVERY_MODE)

Driver:
  --no-media                no camera/microphone functions (they answer "unsupported")
  --state-hz <n>            state_event rate, 0-100 (0 = off; env REACHY_STATE_HZ, default 20)
  -h, --help                this help

${PRIOR_FLAGS_HELP}
Logs go to stderr (REACHY_MINI_DRIVER_LOG_LEVEL=debug|info|warn|error).
`;


interface Parsed {
  sim: boolean;
  simMode: 'robot' | 'mockup';
  target?: string;
  host?: string;
  transportMode: TransportMode;
  deviceId: string;
  location?: string;
  stateHz: number;
  media: boolean;
  env: Record<string, string | undefined>;
}

function parse(argv: string[], baseEnv: NodeJS.ProcessEnv): Parsed {
  const { values } = parseArgs({
    args: argv,
    options: {
      sim: { type: 'boolean', default: false },
      'sim-mode': { type: 'string' },
      target: { type: 'string' },
      host: { type: 'string' },
      'transport-mode': { type: 'string' },
      'device-id': { type: 'string' },
      location: { type: 'string' },
      tenant: { type: 'string' },
      'messaging-url': { type: 'string', multiple: true },
      'credentials-file': { type: 'string' },
      'allow-insecure': { type: 'boolean', default: false },
      'discovery-mode': { type: 'string' },
      'no-media': { type: 'boolean', default: false },
      'state-hz': { type: 'string' },
      ...PRIOR_FLAG_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  const env: Record<string, string | undefined> = { ...baseEnv };
  if (values.tenant !== undefined) env.TENANT = values.tenant;
  if (values['messaging-url'] !== undefined) {
    // Repeated and comma lists both work: every node of a cluster, so the driver can fail over between them.
    env.MESSAGING_URLS = values['messaging-url'].join(',');
    delete env.NATS_URL;
  }
  if (values['credentials-file'] !== undefined) env.MESSAGING_CREDENTIALS_FILE = values['credentials-file'];
  if (values['allow-insecure']) env.DEVICE_CONNECT_ALLOW_INSECURE = 'true';
  if (values['discovery-mode'] !== undefined) env.DEVICE_CONNECT_DISCOVERY_MODE = values['discovery-mode'];
  // --portal, --api-port, aliases of --credentials-file and their env: applied to env and the target.
  const prior = applyPriorDriverFlags(values, env);

  const mode = (values['transport-mode'] ?? env.REACHY_TRANSPORT_MODE ?? 'auto').trim().toLowerCase();
  if (mode !== 'auto' && mode !== 'websocket' && mode !== 'http') {
    throw new UsageError(`--transport-mode=${mode} is not allowed (allowed: auto, websocket, http)`);
  }
  const simMode = values['sim-mode'] ?? 'robot';
  if (simMode !== 'robot' && simMode !== 'mockup') {
    throw new UsageError(`--sim-mode=${simMode} is not allowed (allowed: robot, mockup)`);
  }
  const deviceId = values['device-id'] ?? env.DEVICE_ID ?? DEFAULT_DEVICE_ID;
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    throw new UsageError(`--device-id=${deviceId} must match ${DEVICE_ID_PATTERN} (letters, digits, '.', '_', '-')`);
  }
  const location = (values.location ?? env.REACHY_LOCATION ?? '').trim();
  if (location.length > 128 || [...location].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new UsageError(`--location must be at most 128 printable characters (got ${location.length})`);
  }
  const hzText = values['state-hz'] ?? env.REACHY_STATE_HZ ?? '20';
  const stateHz = Number(hzText);
  if (!Number.isFinite(stateHz) || stateHz < 0 || stateHz > 100 || hzText.trim() === '') {
    throw new UsageError(`--state-hz=${hzText} must be a number in [0, 100] (0 = off)`);
  }
  return {
    sim: values.sim ?? false,
    simMode,
    target: prior.target,
    host: prior.host,
    transportMode: mode,
    deviceId,
    ...(location ? { location } : {}),
    stateHz,
    media: !values['no-media'],
    env,
  };
}

export async function runDriver(argv: string[], baseEnv: NodeJS.ProcessEnv = process.env): Promise<number> {
  const p = parse(argv, baseEnv);
  const log = createLogger('driver');
  const { meshConfigFromEnv } = await import('../../mesh');
  const { resolveTarget, targetForSimulator } = await import('../../reachy');

  let config: MeshConfig;
  let target: DaemonTarget;
  try {
    config = meshConfigFromEnv(p.env);
    target = resolveTarget({ sim: p.sim, target: p.target, host: p.host, env: p.env });
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  if (config.backend !== 'nats') {
    // An in-process mesh inside a headless process would be reachable by nobody.
    throw new UsageError(
      'no broker configured: set --messaging-url or NATS_URL / MESSAGING_URLS (e.g. nats://127.0.0.1:4222); ' +
        'for a simulated robot without a broker use `reachy-console mcp --sim` or the console',
    );
  }

  log.info(
    `Reachy Mini driver: device ${p.deviceId} (reachy_mini)${p.location ? ` at ${p.location}` : ''}, tenant ${config.tenant}, mesh ${config.backend} ` +
      `${config.urls.map(redactUrl).join(',') || '(in-process)'}, discovery ${config.discoveryMode}, credentials ` +
      `${config.credentialsFile ? 'file given' : config.jwt || config.nkeySeed ? 'from env' : 'none'}` +
      `${config.allowInsecure ? ' (insecure allowed)' : ''}; robot ${target.kind === 'sim' ? `simulator (${p.simMode}, in-process)` : target.baseUrl}, ` +
      `transport ${p.transportMode}, media ${p.media ? 'on' : 'off'}, state_event ${p.stateHz} Hz`,
  );

  // A signal while waiting for the broker (or later) ends the process cleanly.
  let onSigint = (): void => undefined;
  let onSigterm = (): void => undefined;
  const signalled = new Promise<string>((resolve) => {
    onSigint = () => resolve('SIGINT');
    onSigterm = () => resolve('SIGTERM');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
  });
  const offSignals = (): void => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  };
  const failed = (): number => {
    offSignals();
    return 1;
  };

  // The mesh first: bad credentials or a bad URL fail fast, before a simulator is started. A broker that is not up
  // yet does not: the driver says it is waiting and joins it as soon as it answers.
  const { openMeshWithRetry } = await import('../../mesh');
  let pending;
  try {
    pending = await openMeshWithRetry(config, { logger: log, who: 'the driver', where: config.urls.map(redactUrl).join(',') });
  } catch (e) {
    log.error(`cannot join the mesh: ${errorMessage(e)}`);
    return failed();
  }
  const joined = await Promise.race([
    pending.ready.then(
      (c) => ({ connection: c }),
      (e: unknown) => ({ error: errorMessage(e) }),
    ),
    signalled.then((s) => ({ signal: s })),
  ]);
  if ('signal' in joined) {
    pending.cancel();
    log.info(`${joined.signal} while waiting for the broker: driver stopped`);
    offSignals();
    return 0;
  }
  if ('error' in joined) {
    log.error(`cannot join the mesh: ${joined.error}`);
    return failed();
  }
  const connection = joined.connection;
  log.info(`transport connected: ${redactUrl(connection.description)}`);

  let sim: { url: string; host: string; port: number; stop(): Promise<void> } | null = null;
  let simMedia: { close(): Promise<void> } | null = null;
  if (target.kind === 'sim') {
    const { startSimulator } = await import('../../sim');
    let started;
    try {
      started = await startSimulator({ port: 0, host: '127.0.0.1', mode: p.simMode, wakeUpOnStart: true, noMedia: !p.media });
    } catch (e) {
      log.error(`simulator failed to start: ${errorMessage(e)}`);
      await connection.close().catch(() => undefined);
      return failed();
    }
    sim = started;
    target = targetForSimulator(started);
    log.info(`simulator listening on ${started.url}`);
    // Its backend up (the first control tick, ~20 ms): before it /ws/sdk refuses (1013) and the driver would start
    // tripped. Not its start-up wake_up (about 2 s, as the real daemon plays it): the driver serves meanwhile and
    // holds motion until the daemon reports "running" (MotionController.watchDaemonStart, docs/SAFETY.md).
    await started.ready();
    if (p.media) {
      try {
        const { attachSimMedia } = await import('../../sim/media');
        simMedia = await attachSimMedia(started, { logger: log.child('sim-media') });
      } catch (e) {
        log.warn(`simulator media not available: ${errorMessage(e)}`);
      }
    }
  }
  const stopSim = async (): Promise<void> => {
    await simMedia?.close().catch(() => undefined);
    await sim?.stop();
  };

  const { LatchStore, latchTarget, startReachyDriver } = await import('../../driver');
  // A real robot's trip outlives this process (docs/SAFETY.md "A trip stays latched"), recorded beside the app's
  // settings; --sim starts a new simulated robot every time, with nothing to carry over.
  const latch = target.kind === 'sim' ? undefined : { store: new LatchStore(dirname(defaultSettingsPath(p.env)), log.child('interlock')), target: latchTarget(target) };
  let handle;
  try {
    handle = await startReachyDriver({
      ...(latch ? { latch } : {}),
      connection,
      target,
      transportMode: p.transportMode,
      deviceId: p.deviceId,
      location: p.location,
      stateHz: p.stateHz,
      media: p.media,
      logger: log,
    });
  } catch (e) {
    log.error(`driver failed to start: ${errorMessage(e)}`);
    await connection.close().catch(() => undefined);
    await stopSim();
    return failed();
  }
  log.info(`Subscribed to commands on device-connect.${handle.runtime.tenant}.${handle.deviceId}.cmd`);

  const signal = await signalled;
  log.info(`${signal}: stopping motion, sending departure`);
  // A second signal while shutting down exits at once.
  const force = () => process.exit(1);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    await handle.close();
    await connection.close();
    await stopSim();
  } catch (e) {
    log.warn(`shutdown: ${errorMessage(e)}`);
  }
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  log.info('driver stopped');
  return 0;
}

export const command: CliCommand = {
  summary: 'headless Reachy Mini driver on the Device Connect mesh (--sim: with a simulated robot)',
  help: HELP,
  run: (argv) => runDriver(argv),
};
