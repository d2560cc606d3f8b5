/**
 * `reachy-console app`: the headless on-robot mode. Serves the settings page and API (default :8842) and runs the
 * driver in-process whenever the settings are valid; a settings change restarts it cleanly. With portal mode off and
 * no credentials it still starts and serves the page, so the robot can be set up from a phone.
 */
import { errorMessage } from '../../../shared/errors';
import { createRobotAppStack } from '../robot-app-stack';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import { packageRoot } from '../paths';
import { PRIOR_FLAG_OPTIONS, PRIOR_FLAGS_HELP } from '../../robot-app';
import { DEFAULT_SETTINGS, defaultSettingsPath, effectiveSettings, readSettingsFile, type Env } from '../../robot-app';

export const DEFAULT_APP_PORT = 8842;

const HELP = `Usage: reachy-console app [options]

Runs on the robot: the settings page and API on http://<robot>:${DEFAULT_APP_PORT} (token protected) and the Device
Connect driver in this process whenever the settings are valid. Settings live in the prior driver's file
(~/.config/reachy_mini_driver/device_connect_app.json); environment variables and the flags below override it.

App:
  --settings <file>         settings JSON (env REACHY_CONSOLE_APP_SETTINGS)
  --port <n>                settings page port (env REACHY_CONSOLE_APP_PORT, default ${DEFAULT_APP_PORT}; 0 = any free)
  --bind <addr>             listen address (default 0.0.0.0: the page is meant to be opened from the LAN)
  --allowed-host <name>     another name the page may be opened by (repeatable; this machine's names and
                            addresses are always allowed)
  --print-token             print the access token and the page URL, then exit

Driver settings (each overrides the same field of the file):
  --sim                     simulate (REACHY_SIM)         --target <host[:port]|sim>  reachy_target (REACHY_TARGET)
  --host <name>             reachy_target (REACHY_HOST)   --transport-mode <m>        auto | websocket | http
  --device-id <id>          device_id (DEVICE_ID)         --tenant <name>             tenant (TENANT)
  --messaging-url <urls>    messaging_urls (MESSAGING_URLS / NATS_URL)
  --credentials-file <f>    nats_credentials_file (NATS_CREDENTIALS_FILE)
  --allow-insecure          allow_insecure                --discovery-mode <m>        d2d | infra
  --no-media                no_media (REACHY_NO_MEDIA)    --state-hz <n>              state_event rate, 0-100

${PRIOR_FLAGS_HELP}`;

const FLAG_ENV: Record<string, string> = {
  target: 'REACHY_TARGET',
  host: 'REACHY_HOST',
  'transport-mode': 'REACHY_TRANSPORT_MODE',
  'device-id': 'DEVICE_ID',
  tenant: 'TENANT',
  'messaging-url': 'MESSAGING_URLS',
  'credentials-file': 'NATS_CREDENTIALS_FILE',
  'nats-credentials-file': 'NATS_CREDENTIALS_FILE',
  'portal-credentials': 'NATS_CREDENTIALS_FILE',
  'discovery-mode': 'DEVICE_CONNECT_DISCOVERY_MODE',
  'portal-credentials-glob': 'PORTAL_CREDENTIALS_GLOB',
  'portal-credentials-dir': 'PORTAL_CREDENTIALS_DIR',
  'api-port': 'REACHY_PORT',
  'messaging-backend': 'MESSAGING_BACKEND',
};
const BOOL_ENV: Record<string, string> = { sim: 'REACHY_SIM', 'allow-insecure': 'DEVICE_CONNECT_ALLOW_INSECURE', 'no-media': 'REACHY_NO_MEDIA', portal: 'DEVICE_CONNECT_PORTAL' };

export interface AppArgs {
  settingsPath: string;
  port: number;
  bind: string;
  allowedHosts: string[];
  printToken: boolean;
  stateHz: number;
  env: Env;
}

export function parseAppArgs(argv: string[], baseEnv: Env = process.env): AppArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      settings: { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'print-token': { type: 'boolean', default: false },
      sim: { type: 'boolean' },
      target: { type: 'string' },
      host: { type: 'string' },
      'transport-mode': { type: 'string' },
      'device-id': { type: 'string' },
      tenant: { type: 'string' },
      'messaging-url': { type: 'string' },
      'credentials-file': { type: 'string' },
      'allow-insecure': { type: 'boolean' },
      'discovery-mode': { type: 'string' },
      'no-media': { type: 'boolean' },
      'state-hz': { type: 'string' },
      ...PRIOR_FLAG_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  const env: Env = { ...baseEnv };
  const v = values as Record<string, string | boolean | string[] | undefined>;
  for (const [flag, name] of Object.entries(FLAG_ENV)) {
    const x = v[flag];
    if (typeof x === 'string') {
      env[name] = x;
      if (name === 'MESSAGING_URLS') delete env.NATS_URL;
    }
  }
  for (const [flag, name] of Object.entries(BOOL_ENV)) if (v[flag] === true) env[name] = 'true';
  if (env.PORTAL_CREDENTIALS_FILE && !env.NATS_CREDENTIALS_FILE) env.NATS_CREDENTIALS_FILE = env.PORTAL_CREDENTIALS_FILE;

  const portText = values.port ?? env.REACHY_CONSOLE_APP_PORT ?? String(DEFAULT_APP_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || portText.trim() === '') {
    throw new UsageError(`--port=${portText} must be an integer in [0, 65535]`);
  }
  const hzText = values['state-hz'] ?? env.REACHY_STATE_HZ ?? '20';
  const stateHz = Number(hzText);
  if (!Number.isFinite(stateHz) || stateHz < 0 || stateHz > 100 || hzText.trim() === '') {
    throw new UsageError(`--state-hz=${hzText} must be a number in [0, 100] (0 = off)`);
  }
  // Flags are checked now (naming the flag), not only when the driver starts.
  // A bad environment variable is shown on the page (the app still starts); a bad flag is a usage error now.
  const blank = () => ({ fields: { ...DEFAULT_SETTINGS }, extra: {}, fileErrors: [], exists: false });
  const fromEnv = new Set(effectiveSettings(blank(), baseEnv).errors.map((e) => e.message));
  const flagErr = effectiveSettings(blank(), env).errors.find((e) => !fromEnv.has(e.message));
  if (flagErr) {
    const flag = [...Object.entries(FLAG_ENV), ...Object.entries(BOOL_ENV)].find(([f, name]) => v[f] !== undefined && flagErr.message.startsWith(`${name}=`))?.[0];
    throw new UsageError(flag ? `--${flag}: ${flagErr.message}` : flagErr.message);
  }
  return {
    settingsPath: values.settings ?? defaultSettingsPath(env),
    port,
    bind: values.bind ?? '0.0.0.0',
    allowedHosts: values['allowed-host'] ?? [],
    printToken: values['print-token'] ?? false,
    stateHz,
    env,
  };
}

/** In a checkout with dev dependencies, build the page on first run; on the robot (--omit=dev) it ships built. */
async function ensurePage(staticDir: string, log: ReturnType<typeof createLogger>): Promise<void> {
  if (existsSync(join(staticDir, 'index.html'))) return;
  const script = join(packageRoot(), 'scripts', 'build-renderer.mjs');
  try {
    const mod = (await import(pathToFileURL(script).href)) as { buildRobotAppPage(o: { quiet: boolean }): Promise<void> };
    log.info('building the settings page (first run)…');
    await mod.buildRobotAppPage({ quiet: true });
  } catch (e) {
    log.warn(`the settings page is not built and cannot be built here (${errorMessage(e)}); the API works. Build it with \`npm run build:renderer\` where dev dependencies are installed.`);
  }
}

export async function runApp(argv: string[], baseEnv: Env = process.env): Promise<number> {
  const a = parseAppArgs(argv, baseEnv);
  const { loadOrCreateToken } = await import('../../robot-app');
  const token = loadOrCreateToken(a.settingsPath);
  const { hostname } = await import('node:os');
  const pageUrl = (port: number) => `http://${a.bind === '0.0.0.0' || a.bind === '::' ? hostname() : a.bind}:${port}/#token=${token}`;
  if (a.printToken) {
    process.stdout.write(`${token}\n${pageUrl(a.port)}\n`);
    return 0;
  }
  const log = createLogger('app');
  const staticDir = join(packageRoot(), 'out', 'robot-app');
  await ensurePage(staticDir, log);
  const { DriverSupervisor } = await import('../../robot-app');
  const { startRobotAppServer } = await import('../../robot-app');
  const supervisor = new DriverSupervisor({
    load: () => effectiveSettings(readSettingsFile(a.settingsPath), a.env),
    stack: createRobotAppStack({ latchDir: dirname(a.settingsPath), logger: log }),
    logger: createLogger('app/driver'),
    stateHz: a.stateHz,
  });
  let server;
  try {
    server = await startRobotAppServer({
      settingsPath: a.settingsPath,
      env: a.env,
      supervisor,
      token,
      staticDir,
      port: a.port,
      bindHost: a.bind,
      allowedHosts: a.allowedHosts,
    });
  } catch (e) {
    process.stderr.write(`reachy-console app: cannot listen on ${a.bind}:${a.port}: ${errorMessage(e)}\n`);
    return 1;
  }
  process.stdout.write(`Reachy Mini settings: ${pageUrl(server.port)}\n`);
  log.info(`settings file ${a.settingsPath}; token in ${(await import('../../robot-app')).tokenPath(a.settingsPath)} (treat the URL as a password)`);
  void supervisor.reload('app start').catch((e: unknown) => log.error(`driver: ${errorMessage(e)}`));

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info(`${signal}: stopping the driver (stop motion, departure) and the settings page`);
  const force = (): never => process.exit(1);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await supervisor.close().catch((e: unknown) => log.warn(`shutdown: ${errorMessage(e)}`));
  await server.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  log.info('app stopped');
  return 0;
}

export const command: CliCommand = {
  summary: 'on-robot mode: settings page + API on :8842 (token protected) and the driver in-process',
  help: HELP,
  run: (argv) => runApp(argv),
};
