/**
 * From settings (file + environment) or from `driver` flags to what the driver needs: the mesh config, the device
 * id, the daemon target. Portal mode has the prior driver's semantics: it forces NATS, uses the credentials' broker
 * URLs (else the portal's), discovery `infra`, and takes the device id and tenant from the credentials JSON unless
 * they were given explicitly. Shared by `app`, `doctor` and the `driver` command's prior-compatible flags.
 */
import { errorMessage } from '../../shared/errors';
import type { CredentialsSummary } from '../../shared/robot-app';
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { UsageError } from '../errors';
import { loadCredentialsFile, type ParsedCredentials } from '../mesh';
import { meshConfigFromEnv, parseDiscoveryMode, redactUrl, truthy } from '../mesh';
import type { MeshConfig } from '../mesh';
import { parseTargetString, SIM_TARGET } from '../reachy';
import type { DaemonTarget, TransportMode } from '../reachy';
import { DEFAULT_DEVICE_ID } from '../../shared/reachy';
import { SettingsError, type EffectiveSettings, type Env, type FieldError } from './settings';

export const PORTAL_NATS_URL = 'nats://portal.deviceconnect.dev:4222';
export const DEFAULT_PORTAL_GLOB = '*.json';
export const defaultPortalDir = (): string => join(homedir(), 'Downloads');

export type { CredentialsSummary } from '../../shared/robot-app';

function jwtExpiry(jwt: string): number | null {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && claims.exp > 0 ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

export function summarizeCredentials(path: string | undefined, now = Date.now()): CredentialsSummary {
  if (!path) return { present: false };
  let c: ParsedCredentials;
  try {
    c = loadCredentialsFile(path);
  } catch (e) {
    return { present: false, file: basename(path), error: errorMessage(e) };
  }
  const exp = jwtExpiry(c.jwt);
  const out: CredentialsSummary = { present: true, file: basename(path), expires: exp === null ? null : new Date(exp).toISOString(), expired: exp !== null && exp <= now };
  if (c.tenant) out.tenant = c.tenant;
  if (c.deviceId) out.device_id = c.deviceId;
  if (c.urls) out.urls = c.urls.map(redactUrl);
  return out;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

/** The newest file in `dir` matching `glob` (prior driver: portal credentials auto-discovery). */
export function findPortalCredentials(glob: string, dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const re = globToRegExp(glob);
  let best: { path: string; mtime: number } | undefined;
  for (const n of names) {
    if (!re.test(n)) continue;
    const p = join(dir, n);
    try {
      const st = statSync(p);
      if (st.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path: p, mtime: st.mtimeMs };
    } catch {
      // vanished while listing
    }
  }
  return best?.path;
}

export interface PortalInput {
  portal: boolean;
  credentialsFile?: string;
  glob?: string;
  dir?: string;
  urls: string[];
  deviceId?: string;
  tenant?: string;
  discovery?: string;
}

export interface PortalResult {
  credentialsFile?: string;
  creds?: ParsedCredentials;
  urls: string[];
  deviceId?: string;
  tenant?: string;
  discovery?: string;
}

/** Applies portal mode; throws Error naming what is missing. Without portal mode it only loads the file. */
export function applyPortal(input: PortalInput): PortalResult {
  let file = input.credentialsFile?.trim() || undefined;
  if (!file && input.portal) {
    const glob = input.glob?.trim() || DEFAULT_PORTAL_GLOB;
    const dir = input.dir?.trim() || defaultPortalDir();
    file = findPortalCredentials(glob, dir);
    if (!file) {
      throw new Error(
        `portal mode needs a credentials file: upload one, set nats_credentials_file (--portal-credentials, ` +
          `NATS_CREDENTIALS_FILE / PORTAL_CREDENTIALS_FILE), or put a file matching ${glob} in ${dir}`,
      );
    }
  }
  const creds = file ? loadCredentialsFile(file) : undefined;
  if (!input.portal) return { credentialsFile: file, creds, urls: input.urls, deviceId: input.deviceId, tenant: input.tenant, discovery: input.discovery };
  return {
    credentialsFile: file,
    creds,
    urls: input.urls.length ? input.urls : creds?.urls?.length ? creds.urls : [PORTAL_NATS_URL],
    deviceId: input.deviceId || creds?.deviceId,
    tenant: input.tenant || creds?.tenant,
    discovery: input.discovery || 'infra',
  };
}

/** `host[:port]` with REACHY_PORT / --api-port applied when no port is given (prior `parse_reachy_target`). */
export function withDefaultPort(target: string, port: number | undefined): string {
  if (port === undefined) return target;
  const s = target.trim();
  if (s.toLowerCase() === 'sim') return s;
  const noScheme = s.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  if (/^\[[^\]]+\]:\d+$/.test(noScheme)) return noScheme;
  if (/^\[[^\]]+\]$/.test(noScheme)) return `${noScheme}:${port}`;
  const colons = (noScheme.match(/:/g) ?? []).length;
  if (colons === 1) return noScheme;
  if (colons > 1) return `[${noScheme}]:${port}`;
  return `${noScheme}:${port}`;
}

// ---- the app: effective settings → run config ----

export interface RunConfig {
  mesh: MeshConfig;
  deviceId: string;
  target: DaemonTarget;
  transportMode: TransportMode;
  media: boolean;
  portal: boolean;
  credentialsFile?: string;
  prefix: string;
}

/** Effective settings → a run config; throws SettingsError naming the fields when the driver cannot start. */
export function resolveRunConfig(eff: EffectiveSettings): RunConfig {
  const f = eff.fields;
  const errors: FieldError[] = [...eff.errors];
  const fail = (field: string, message: string): never => {
    throw new SettingsError(message, [...errors, { field, message }]);
  };
  if (errors.length) throw new SettingsError(errors.map((e) => e.message).join('; '), errors);
  const urls = f.messaging_urls.split(',').map((s) => s.trim()).filter(Boolean);
  let p: PortalResult;
  try {
    p = applyPortal({
      portal: f.use_portal,
      credentialsFile: f.nats_credentials_file,
      glob: f.portal_credentials_glob,
      dir: f.portal_credentials_dir,
      urls,
      deviceId: f.device_id.trim(),
      tenant: f.tenant.trim(),
      discovery: f.discovery_mode.trim(),
    });
  } catch (e) {
    return fail('nats_credentials_file', errorMessage(e));
  }
  const brokerUrls = p.urls.length ? p.urls : (p.creds?.urls ?? []);
  if (brokerUrls.length === 0) {
    return fail('messaging_urls', 'no broker: set messaging_urls (e.g. nats://192.168.1.10:4222) or turn portal mode on');
  }
  let discoveryMode;
  try {
    discoveryMode = parseDiscoveryMode(p.discovery, 'discovery_mode');
  } catch (e) {
    return fail('discovery_mode', errorMessage(e));
  }
  let mesh: MeshConfig;
  try {
    mesh = meshConfigFromEnv(
      {},
      {
        backend: 'nats',
        urls: brokerUrls,
        tenant: p.tenant || p.creds?.tenant || 'default',
        discoveryMode: discoveryMode ?? 'infra',
        credentialsFile: p.credentialsFile,
        allowInsecure: f.allow_insecure,
      },
    );
  } catch (e) {
    return fail(p.credentialsFile ? 'nats_credentials_file' : 'messaging_urls', errorMessage(e));
  }
  if (!mesh.allowInsecure && !(mesh.jwt && mesh.nkeySeed)) {
    return fail('nats_credentials_file', 'no credentials: upload a credentials file, or tick allow_insecure for a development broker without auth');
  }
  let target: DaemonTarget;
  if (f.simulate || f.reachy_target.trim().toLowerCase() === 'sim') target = SIM_TARGET;
  else {
    try {
      target = parseTargetString(withDefaultPort(f.reachy_target.trim() || '127.0.0.1', eff.daemonPort), 'reachy_target');
    } catch (e) {
      return fail('reachy_target', errorMessage(e));
    }
  }
  return {
    mesh,
    deviceId: p.deviceId || DEFAULT_DEVICE_ID,
    target,
    transportMode: f.transport_mode as TransportMode,
    media: !f.no_media,
    portal: f.use_portal,
    credentialsFile: p.credentialsFile,
    prefix: f.reachy_prefix,
  };
}

export function describeTarget(t: DaemonTarget): string {
  return t.kind === 'sim' ? 'simulator (in-process)' : t.baseUrl;
}

// ---- `driver` flags of the prior CLI ----

/** The prior driver's flags that `driver` and `app` accept (parseArgs options). */
export const PRIOR_FLAG_OPTIONS = {
  portal: { type: 'boolean' },
  'portal-credentials': { type: 'string' },
  'portal-credentials-glob': { type: 'string' },
  'portal-credentials-dir': { type: 'string' },
  'api-port': { type: 'string' },
  'messaging-backend': { type: 'string' },
  'nats-credentials-file': { type: 'string' },
} as const;

export interface PriorFlagValues {
  portal?: boolean;
  'credentials-file'?: string;
  'portal-credentials'?: string;
  'portal-credentials-glob'?: string;
  'portal-credentials-dir'?: string;
  'api-port'?: string;
  'messaging-backend'?: string;
  'nats-credentials-file'?: string;
  'device-id'?: string;
  tenant?: string;
  target?: string;
  host?: string;
}

export const PRIOR_FLAGS_HELP = `Prior driver compatibility:
  --portal                  Device Connect portal mode (env DEVICE_CONNECT_PORTAL=true): NATS, the credentials'
                            broker URL (else ${PORTAL_NATS_URL}), discovery infra, the device id
                            (unless --device-id) and the tenant from the credentials JSON
  --portal-credentials <f>  portal credentials JSON (env PORTAL_CREDENTIALS_FILE; alias of --credentials-file)
  --portal-credentials-glob <g>  with --portal and no file: newest match of this pattern (default ${DEFAULT_PORTAL_GLOB})
  --portal-credentials-dir <d>   ... in this folder (default ~/Downloads)
  --nats-credentials-file <f>    alias of --credentials-file
  --messaging-backend <b>   nats (the only backend this driver speaks; env MESSAGING_BACKEND)
  --api-port <n>            daemon port when the target names none (env REACHY_PORT, default 8000)
  REACHY_PREFIX             accepted for compatibility (Zenoh key prefix; Zenoh transport is not supported)
`;

/**
 * Turns the prior flags (and PORTAL_CREDENTIALS_FILE / DEVICE_CONNECT_PORTAL / REACHY_PORT) into the environment
 * `meshConfigFromEnv` and `resolveTarget` read, in place. Returns the daemon target/host with REACHY_PORT applied.
 * Throws UsageError naming the flag on bad input.
 */
export function applyPriorDriverFlags(values: PriorFlagValues, env: Env): { target?: string; host?: string } {
  const backend = values['messaging-backend'] ?? env.MESSAGING_BACKEND;
  if (backend !== undefined && backend.trim() !== '' && backend.trim().toLowerCase() !== 'nats') {
    throw new UsageError(`--messaging-backend=${backend} is not supported (allowed: nats)`);
  }
  if (values['messaging-backend'] !== undefined) env.MESSAGING_BACKEND = values['messaging-backend'];
  const explicitCreds = values['credentials-file'] ?? values['portal-credentials'] ?? values['nats-credentials-file'];
  if (explicitCreds !== undefined) env.MESSAGING_CREDENTIALS_FILE = explicitCreds;
  if (!env.MESSAGING_CREDENTIALS_FILE?.trim() && !env.NATS_CREDENTIALS_FILE?.trim() && env.PORTAL_CREDENTIALS_FILE?.trim()) {
    env.MESSAGING_CREDENTIALS_FILE = env.PORTAL_CREDENTIALS_FILE;
  }
  let port: number | undefined;
  const portText = values['api-port'] ?? env.REACHY_PORT;
  if (portText !== undefined && portText.trim() !== '') {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`${values['api-port'] !== undefined ? '--api-port' : 'REACHY_PORT'}=${portText} must be an integer in [1, 65535]`);
    }
  }
  const target = values.target !== undefined ? withDefaultPort(values.target, port) : undefined;
  const host = values.host !== undefined ? withDefaultPort(values.host, port) : undefined;
  if (env.REACHY_TARGET) env.REACHY_TARGET = withDefaultPort(env.REACHY_TARGET, port);
  if (env.REACHY_HOST) env.REACHY_HOST = withDefaultPort(env.REACHY_HOST, port);

  const portal = values.portal === true || truthy(env.DEVICE_CONNECT_PORTAL) || truthy(env.REACHY_PORTAL);
  if (portal) {
    const urls = [env.MESSAGING_URLS, env.NATS_URLS, env.NATS_URL].find((u) => u?.trim())?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    let p: PortalResult;
    try {
      p = applyPortal({
        portal: true,
        credentialsFile: env.MESSAGING_CREDENTIALS_FILE?.trim() || env.NATS_CREDENTIALS_FILE?.trim(),
        glob: values['portal-credentials-glob'] ?? env.PORTAL_CREDENTIALS_GLOB,
        dir: values['portal-credentials-dir'] ?? env.PORTAL_CREDENTIALS_DIR,
        urls,
        deviceId: values['device-id'],
        tenant: values.tenant,
        discovery: env.DEVICE_CONNECT_DISCOVERY_MODE?.trim(),
      });
    } catch (e) {
      throw new UsageError(`--portal: ${errorMessage(e)}`);
    }
    env.MESSAGING_BACKEND = 'nats';
    env.MESSAGING_CREDENTIALS_FILE = p.credentialsFile;
    if (!urls.length) env.MESSAGING_URLS = p.urls.join(',');
    if (p.deviceId && values['device-id'] === undefined) env.DEVICE_ID = p.deviceId;
    if (p.tenant) env.TENANT = p.tenant;
    env.DEVICE_CONNECT_DISCOVERY_MODE = p.discovery;
  }
  return { target, host };
}
