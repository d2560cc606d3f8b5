/**
 * Config parity with the reference (docs/PROTOCOL.md "Configuration"): MESSAGING_URLS / NATS_URLS / NATS_URL,
 * MESSAGING_CREDENTIALS_FILE (alias NATS_CREDENTIALS_FILE), NATS_JWT + NATS_NKEY_SEED, TENANT,
 * DEVICE_CONNECT_ALLOW_INSECURE, DEVICE_CONNECT_DISCOVERY_MODE, MESSAGING_TLS_* (aliases NATS_TLS_*).
 * No broker URL anywhere → the in-process `local` backend.
 */
import { loadCredentialsFile, type ParsedCredentials } from './credentials';
import { TENANT_PATTERN } from './subjects';
import { MeshError, type DiscoveryMode, type MeshConfig, type TlsConfig } from './types';

export type Env = Record<string, string | undefined>;

export interface MeshConfigOverrides {
  backend?: MeshConfig['backend'];
  urls?: string[];
  tenant?: string;
  discoveryMode?: DiscoveryMode;
  credentialsFile?: string;
  allowInsecure?: boolean;
  requestTimeoutMs?: number;
  tls?: TlsConfig;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function splitUrls(v: string | undefined): string[] | undefined {
  const t = nonEmpty(v);
  if (!t) return undefined;
  const list = t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

export function truthy(v: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((v ?? '').trim().toLowerCase());
}

export function parseDiscoveryMode(v: string | undefined, source = 'DEVICE_CONNECT_DISCOVERY_MODE'): DiscoveryMode | undefined {
  const t = nonEmpty(v)?.toLowerCase();
  if (!t || t === 'auto') return undefined;
  if (t === 'd2d' || t === 'p2p') return 'd2d';
  if (t === 'infra') return 'infra';
  throw new MeshError('config', `${source}='${v}' is not one of d2d, p2p, infra, auto`);
}

/** Accepts nats://host:port, tls://host:port and bare host:port; rejects other backends' URLs. */
export function checkBrokerUrl(url: string): void {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (m) {
    const scheme = m[1].toLowerCase();
    if (scheme !== 'nats' && scheme !== 'tls') {
      throw new MeshError('config', `unsupported broker URL '${redactUrl(url)}': only nats:// and tls:// (NATS) are supported`);
    }
    return;
  }
  if (/^(tcp|tls|udp)\//i.test(url)) {
    throw new MeshError('config', `unsupported broker URL '${redactUrl(url)}': Zenoh endpoints are not supported; use nats://host:port`);
  }
  if (!/^[A-Za-z0-9.[\]:_-]+(:\d+)?$/.test(url)) throw new MeshError('config', `invalid broker URL '${redactUrl(url)}'`);
}

export function meshConfigFromEnv(env: Env = process.env, overrides: MeshConfigOverrides = {}): MeshConfig {
  const backendEnv = nonEmpty(env.MESSAGING_BACKEND)?.toLowerCase();
  if (backendEnv && backendEnv !== 'nats') {
    throw new MeshError('config', `MESSAGING_BACKEND='${env.MESSAGING_BACKEND}' is not supported: this product speaks NATS only`);
  }
  const credentialsFile =
    overrides.credentialsFile ?? nonEmpty(env.MESSAGING_CREDENTIALS_FILE) ?? nonEmpty(env.NATS_CREDENTIALS_FILE);
  let creds: ParsedCredentials | undefined;
  if (credentialsFile) creds = loadCredentialsFile(credentialsFile);

  const urls =
    overrides.urls ??
    splitUrls(env.MESSAGING_URLS) ??
    splitUrls(env.NATS_URLS) ??
    splitUrls(env.NATS_URL) ??
    creds?.urls ??
    [];
  for (const u of urls) checkBrokerUrl(u);
  const backend = overrides.backend ?? (urls.length ? 'nats' : 'local');
  if (backend === 'nats' && urls.length === 0) {
    throw new MeshError('config', 'NATS backend selected but no broker URL: set MESSAGING_URLS or NATS_URL');
  }

  const tenant = overrides.tenant ?? creds?.tenant ?? nonEmpty(env.TENANT) ?? 'default';
  if (!TENANT_PATTERN.test(tenant)) {
    throw new MeshError('config', `tenant '${tenant}' must be letters, digits, '_' or '-' (one subject token)`);
  }

  const discoveryMode =
    overrides.discoveryMode ??
    parseDiscoveryMode(env.DEVICE_CONNECT_DISCOVERY_MODE) ??
    // Reference: D2D without a broker, the registry when a NATS broker is configured.
    (backend === 'local' ? 'd2d' : 'infra');

  const jwt = creds?.jwt ?? nonEmpty(env.NATS_JWT);
  const nkeySeed = creds?.nkeySeed ?? nonEmpty(env.NATS_NKEY_SEED);

  const tls: TlsConfig = {
    caFile: nonEmpty(env.MESSAGING_TLS_CA_FILE) ?? nonEmpty(env.NATS_TLS_CA_FILE) ?? creds?.tlsCaFile,
    certFile: nonEmpty(env.MESSAGING_TLS_CERT_FILE) ?? nonEmpty(env.NATS_TLS_CERT_FILE),
    keyFile: nonEmpty(env.MESSAGING_TLS_KEY_FILE) ?? nonEmpty(env.NATS_TLS_KEY_FILE),
    ...overrides.tls,
  };

  let requestTimeoutMs = overrides.requestTimeoutMs;
  if (requestTimeoutMs === undefined && nonEmpty(env.MCP_REQUEST_TIMEOUT)) {
    const s = Number(env.MCP_REQUEST_TIMEOUT);
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new MeshError('config', `MCP_REQUEST_TIMEOUT='${env.MCP_REQUEST_TIMEOUT}' must be a number of seconds > 0`);
    }
    requestTimeoutMs = s * 1000;
  }

  const config: MeshConfig = {
    backend,
    urls,
    tenant,
    discoveryMode,
    allowInsecure: overrides.allowInsecure ?? truthy(env.DEVICE_CONNECT_ALLOW_INSECURE),
    requestTimeoutMs: requestTimeoutMs ?? 30_000,
  };
  if (credentialsFile) config.credentialsFile = credentialsFile;
  if (jwt) config.jwt = jwt;
  if (nkeySeed) config.nkeySeed = nkeySeed;
  if (tls.caFile || tls.certFile || tls.keyFile) config.tls = tls;
  return config;
}

/**
 * The reference's startup check (device.py `_validate_startup_config`): a NATS connection needs a JWT and an
 * nkey seed, and a CA file for tls:// URLs, unless insecure mode was asked for.
 */
export function validateNatsConfig(config: MeshConfig): void {
  if (config.urls.length === 0) throw new MeshError('config', 'no NATS broker URL configured (MESSAGING_URLS or NATS_URL)');
  for (const u of config.urls) checkBrokerUrl(u);
  if (config.allowInsecure) return;
  if (!config.jwt && !config.nkeySeed) {
    throw new MeshError(
      'config',
      'No authentication credentials configured: set MESSAGING_CREDENTIALS_FILE (a .creds.json or nsc .creds file) ' +
        'or NATS_JWT and NATS_NKEY_SEED, or set DEVICE_CONNECT_ALLOW_INSECURE=true for a development broker without auth',
    );
  }
  if (!config.jwt || !config.nkeySeed) {
    throw new MeshError('config', 'incomplete credentials: both a user JWT and an nkey seed are required');
  }
  if (config.urls.some((u) => u.toLowerCase().startsWith('tls://')) && !config.tls?.caFile) {
    throw new MeshError('config', 'a tls:// broker URL needs a CA file: set MESSAGING_TLS_CA_FILE');
  }
}

/** URLs may carry user:password@ — never log that part. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/g, '//***@');
}

/** What is safe to log about a config: no secrets, only whether they are present. */
export function describeMeshConfig(config: MeshConfig): string {
  const auth = config.jwt && config.nkeySeed ? 'jwt+nkey' : config.allowInsecure ? 'insecure (no auth)' : 'none';
  const where = config.backend === 'local' ? 'local (in-process)' : config.urls.map(redactUrl).join(',');
  return `${where}, tenant ${config.tenant}, discovery ${config.discoveryMode}, auth ${auth}${config.tls ? ', tls' : ''}`;
}

/** A positive number from the environment, or the fallback when unset or unusable (tuning knobs only). */
export function envNumber(name: string, fallback: number, allowZero = false, env: Env = process.env): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && (n > 0 || (allowZero && n === 0)) ? n : fallback;
}
