/**
 * Console settings: a JSON file compatible with the prior driver app's
 * `~/.config/reachy_mini_driver/device_connect_app.json` (docs/PRIOR-ART.md §B.7 keys), with environment variables taking
 * precedence. Writes are atomic (temp file + rename) and keep keys we do not know, so the Python app and the
 * console can share the file.
 */
import { errorMessage } from '../../shared/errors';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { settingsSchema, type Settings } from '../../shared/console-api';
import { createLogger, type Logger } from '../log';
import { asideName } from '../driver';

export function defaultSettingsPath(): string {
  return process.env.REACHY_CONSOLE_SETTINGS ?? join(homedir(), '.config', 'reachy_mini_driver', 'device_connect_app.json');
}

type FileDoc = Record<string, unknown>;

/** A settings file that exists but cannot be read as a JSON object (bad JSON, not an object, no permission). */
class UnreadableSettings extends Error {}

function readDoc(path: string): FileDoc {
  if (!existsSync(path)) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UnreadableSettings(errorMessage(err), { cause: err });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UnreadableSettings('settings must be a JSON object');
  return doc as FileDoc;
}

/**
 * Moves an unreadable settings file aside (same folder, time suffix) so nothing ever writes over it, and says so.
 * Throws when it cannot be moved: then nothing may be written in its place.
 */
function keepAside(path: string, why: string, log: Logger): string {
  const kept = asideName(path);
  try {
    renameSync(path, kept);
  } catch (err) {
    const message = `settings file ${path} could not be read (${why}) nor moved aside (${errorMessage(err)}); it is left untouched and settings are not saved until it is fixed or removed`;
    log.error(message);
    throw new Error(message, { cause: err });
  }
  log.error(`settings file ${path} could not be read (${why}); it was kept as ${kept} and the default settings apply until you save new ones`);
  return kept;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const bool = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : typeof v === 'string' ? /^(1|true|yes|on)$/i.test(v.trim()) : undefined;
const urlList = (v: unknown): string[] | undefined => {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  const s = str(v);
  return s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
};

/** Maps the file's (snake_case, prior app) keys onto a raw settings object, before validation. */
function fromDoc(doc: FileDoc): Record<string, unknown> {
  const backend = str(doc.messaging_backend);
  const urls = urlList(doc.messaging_urls);
  const mesh =
    backend === 'nats' || (backend === undefined && urls && urls.length > 0)
      ? {
          kind: 'nats',
          urls: urls ?? ['nats://127.0.0.1:4222'],
          credentialsFile: str(doc.nats_credentials_file),
          tenant: str(doc.tenant) ?? 'default',
          discoveryMode: str(doc.discovery_mode) ?? 'd2d',
          allowInsecure: bool(doc.allow_insecure) ?? false,
        }
      : { kind: 'local' };
  const target = bool(doc.simulate) ? 'sim' : (str(doc.reachy_target) ?? 'sim');
  return {
    mesh,
    target,
    deviceId: str(doc.device_id),
    stateHz: typeof doc.state_hz === 'number' ? doc.state_hz : undefined,
    media: doc.no_media === undefined ? undefined : !bool(doc.no_media),
    simMode: str(doc.sim_mode),
  };
}

/** Environment overrides (the same variables the driver and the Python tools read). */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  const urls = urlList(env.MESSAGING_URLS) ?? urlList(env.NATS_URL);
  const backend = str(env.MESSAGING_BACKEND);
  const mesh = { ...(out.mesh as Record<string, unknown>) };
  if (backend === 'local') out.mesh = { kind: 'local' };
  else if (urls || backend === 'nats' || mesh.kind === 'nats') {
    const m: Record<string, unknown> = { tenant: 'default', discoveryMode: 'd2d', allowInsecure: false, ...mesh, kind: 'nats' };
    if (urls) m.urls = urls;
    if (!m.urls) m.urls = ['nats://127.0.0.1:4222'];
    const creds = str(env.MESSAGING_CREDENTIALS_FILE) ?? str(env.NATS_CREDENTIALS_FILE);
    if (creds) m.credentialsFile = creds;
    if (str(env.TENANT)) m.tenant = str(env.TENANT);
    if (str(env.DEVICE_CONNECT_DISCOVERY_MODE)) m.discoveryMode = str(env.DEVICE_CONNECT_DISCOVERY_MODE);
    if (env.DEVICE_CONNECT_ALLOW_INSECURE !== undefined) m.allowInsecure = bool(env.DEVICE_CONNECT_ALLOW_INSECURE);
    out.mesh = m;
  }
  if (str(env.DEVICE_ID)) out.deviceId = str(env.DEVICE_ID);
  if (bool(env.REACHY_SIM)) out.target = 'sim';
  else {
    const host = str(env.REACHY_TARGET) ?? str(env.REACHY_HOST);
    if (host) out.target = str(env.REACHY_PORT) && !host.includes(':') ? `${host}:${str(env.REACHY_PORT)}` : host;
  }
  return out;
}

export interface SettingsStore {
  readonly path: string;
  /** Effective settings: file, then env overrides. Throws a readable Error on an invalid file. */
  load(): Settings;
  /** Writes the file (atomically, keeping unknown keys) and returns the effective settings. */
  save(settings: Settings): Settings;
}

export function createSettingsStore(path = defaultSettingsPath(), env: NodeJS.ProcessEnv = process.env, logger?: Logger): SettingsStore {
  const log = logger ?? createLogger('console/settings');
  // The user's file is never replaced by defaults in silence: an unreadable one is reported and kept aside.
  const readKeeping = (): FileDoc => {
    try {
      return readDoc(path);
    } catch (err) {
      if (!(err instanceof UnreadableSettings)) throw err;
      keepAside(path, err.message, log);
      return {};
    }
  };
  const load = (): Settings => {
    const raw = applyEnv(fromDoc(readKeeping()), env);
    const clean = JSON.parse(JSON.stringify(raw)) as unknown; // drop undefined so defaults apply
    const parsed = settingsSchema.safeParse(clean);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`settings (${path} + environment): ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  };
  return {
    path,
    load,
    save(settings: Settings): Settings {
      const s = settingsSchema.parse(settings);
      const doc = readKeeping();
      const next: FileDoc = { ...doc };
      if (s.mesh.kind === 'nats') {
        next.messaging_backend = 'nats';
        next.messaging_urls = s.mesh.urls;
        next.tenant = s.mesh.tenant;
        next.discovery_mode = s.mesh.discoveryMode;
        next.allow_insecure = s.mesh.allowInsecure;
        if (s.mesh.credentialsFile) next.nats_credentials_file = s.mesh.credentialsFile;
        else delete next.nats_credentials_file;
      } else {
        next.messaging_backend = 'local';
      }
      next.simulate = s.target === 'sim';
      if (s.target !== 'sim') next.reachy_target = s.target;
      next.device_id = s.deviceId;
      next.no_media = !s.media;
      next.state_hz = s.stateHz;
      next.sim_mode = s.simMode;
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, path);
      return load();
    },
  };
}
