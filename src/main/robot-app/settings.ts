/**
 * The on-robot app's settings: the same JSON file and fields as the prior Python driver's Reachy Mini app
 * (`~/.config/reachy_mini_driver/device_connect_app.json`). Values are validated with zod (errors name the field),
 * written atomically (temp file + rename), and keys we do not know (a newer or older prior driver) are kept.
 * Environment variables override the file (and `app` flags are turned into the same variables).
 */
import { errorMessage } from '../../shared/errors';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { FieldError, SettingsFields as SettingsFieldsContract } from '../../shared/robot-app';
import { DEVICE_ID_PATTERN } from '../../shared/wire';
import { checkBrokerUrl } from '../mesh';
import { TENANT_PATTERN } from '../mesh';
import { parseTargetString } from '../reachy';

export type Env = Record<string, string | undefined>;

/** The settings file path: --settings, else REACHY_CONSOLE_APP_SETTINGS (or the console's REACHY_CONSOLE_SETTINGS), else the prior driver's path. */
export function defaultSettingsPath(env: Env = process.env): string {
  const fromEnv = env.REACHY_CONSOLE_APP_SETTINGS?.trim() || env.REACHY_CONSOLE_SETTINGS?.trim();
  if (fromEnv) return fromEnv;
  return join(homedir(), '.config', 'reachy_mini_driver', 'device_connect_app.json');
}

/** Uploaded credentials live beside the settings, as in the prior app. */
export function credentialsDir(settingsPath: string): string {
  return join(dirname(settingsPath), 'credentials');
}

const msg = (field: string, allowed: string) => `${field}: ${allowed}`;

function brokerUrlList(v: string, ctx: z.RefinementCtx): void {
  for (const u of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      checkBrokerUrl(u);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: errorMessage(e) });
    }
  }
}

const plainText = (max: number) => z.string().max(max).refine((s) => !/[\0\r\n]/.test(s), 'no control characters');

/** Every field the prior app knows, with its default. The transport modes are the ones this product supports. */
export const settingsFieldsSchema = z.object({
  use_portal: z.boolean(),
  nats_credentials_file: plainText(4096),
  device_id: z
    .string()
    .max(255)
    .refine((s) => s.trim() === '' || DEVICE_ID_PATTERN.test(s.trim()), "letters, digits, '.', '_' or '-', starting with a letter or digit (or empty)"),
  tenant: z.string().max(128).refine((s) => s.trim() === '' || TENANT_PATTERN.test(s.trim()), "letters, digits, '_' or '-' (or empty)"),
  reachy_target: z
    .string()
    .max(300)
    .superRefine((s, ctx) => {
      if (s.trim() === '') return;
      try {
        parseTargetString(s, 'reachy_target');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `host[:port] or sim (${errorMessage(e)})` });
      }
    }),
  transport_mode: z.string().refine((s) => ['auto', 'websocket', 'http'].includes(s.trim().toLowerCase()), {
    message: 'one of auto, websocket, http (zenoh is not supported by this driver)',
  }),
  allow_insecure: z.boolean(),
  simulate: z.boolean(),
  no_media: z.boolean(),
  messaging_backend: z.string().refine((s) => ['', 'nats'].includes(s.trim().toLowerCase()), {
    message: 'empty or nats (zenoh is not supported by this driver)',
  }),
  messaging_urls: plainText(2048).superRefine(brokerUrlList),
  discovery_mode: z.string().refine((s) => ['', 'auto', 'd2d', 'p2p', 'infra'].includes(s.trim().toLowerCase()), {
    message: 'empty, auto, d2d, p2p or infra',
  }),
  portal_credentials_glob: plainText(256).refine((s) => !s.includes('/') && !s.includes('\\'), 'a file name pattern (no folders)'),
  portal_credentials_dir: plainText(4096),
  mhp_rig: plainText(128),
  reachy_prefix: z.string().max(128).regex(/^[A-Za-z0-9_/-]*$/, "letters, digits, '_', '-' or '/'"),
});

export type SettingsFields = z.infer<typeof settingsFieldsSchema>;
// The page's copy of the field list (src/shared/robot-app.ts) must stay the schema's: a drift is a type error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _settingsContract: Same<SettingsFields, SettingsFieldsContract> = true;
void _settingsContract;
export type FieldName = keyof SettingsFields;
export const FIELD_NAMES = Object.keys(settingsFieldsSchema.shape) as FieldName[];

export const DEFAULT_SETTINGS: SettingsFields = {
  // Off by default so the app starts (and serves its page) before any credentials exist.
  use_portal: false,
  nats_credentials_file: '',
  device_id: '',
  tenant: '',
  reachy_target: '127.0.0.1:8000',
  transport_mode: 'websocket',
  allow_insecure: false,
  simulate: false,
  no_media: false,
  messaging_backend: '',
  messaging_urls: '',
  discovery_mode: '',
  portal_credentials_glob: '',
  portal_credentials_dir: '',
  mhp_rig: 'reachy_mini',
  reachy_prefix: 'reachy_mini',
};

/** A PUT body: any subset of the known fields; an unknown field is refused (it would be silently lost otherwise). */
export const settingsPatchSchema = settingsFieldsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export type { FieldError } from '../../shared/robot-app';

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

export function zodFieldErrors(err: z.ZodError, prefix = ''): FieldError[] {
  return err.issues.map((i) => {
    const path = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys?: string[] }).keys ?? [];
      return { field: keys.map((k) => prefix + k).join(', ') || '(body)', message: `unknown field(s) ${keys.join(', ')}; allowed: ${FIELD_NAMES.join(', ')}` };
    }
    const field = prefix + (path || '(body)');
    return { field, message: msg(field, i.message) };
  });
}

/** The file as read: the known fields (defaults filled in) and every other key, kept verbatim for the next save. */
export interface SettingsDocument {
  fields: SettingsFields;
  extra: Record<string, unknown>;
  /** Problems found in the file (a hand-edited wrong value): the field keeps its default until fixed. */
  fileErrors: FieldError[];
  exists: boolean;
}

export function readSettingsFile(path: string): SettingsDocument {
  if (!existsSync(path)) return { fields: { ...DEFAULT_SETTINGS }, extra: {}, fileErrors: [], exists: false };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'not valid JSON';
    return { fields: { ...DEFAULT_SETTINGS }, extra: {}, fileErrors: [{ field: '(file)', message: `${path}: ${why}` }], exists: true };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { fields: { ...DEFAULT_SETTINGS }, extra: {}, fileErrors: [{ field: '(file)', message: `${path}: expected a JSON object` }], exists: true };
  }
  const obj = raw as Record<string, unknown>;
  const fields: SettingsFields = { ...DEFAULT_SETTINGS };
  const extra: Record<string, unknown> = {};
  const fileErrors: FieldError[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (!(FIELD_NAMES as string[]).includes(k)) {
      extra[k] = v;
      continue;
    }
    // The prior app stores null for "unset" in places; treat it as the default.
    if (v === null) continue;
    // The console writes messaging_urls as a list; the prior app as a comma-separated string.
    if (k === 'messaging_urls' && Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      fields.messaging_urls = v.join(',');
      continue;
    }
    const one = settingsFieldsSchema.shape[k as FieldName].safeParse(v);
    if (one.success) (fields as Record<string, unknown>)[k] = one.data;
    else {
      fileErrors.push(...zodFieldErrors(one.error).map((e) => ({ field: k, message: e.message.replace('(body)', k) })));
      // Keep the bad value in the file until the user replaces it, rather than dropping it on the next save.
      extra[k] = v;
    }
  }
  return { fields, extra, fileErrors, exists: true };
}

/** Writes `data` to `path` atomically (temp file in the same folder, fsync, rename) with the given mode. */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Validates `patch` over the current file and saves the result; throws SettingsError (nothing written) on bad
 * input. Unknown keys already in the file are kept; a file field that was invalid is replaced when patched.
 */
export function saveSettings(path: string, patch: unknown): SettingsDocument {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const errors = zodFieldErrors(parsed.error);
    throw new SettingsError(errors.map((e) => e.message).join('; '), errors);
  }
  const doc = readSettingsFile(path);
  const fields = { ...doc.fields, ...normalize(parsed.data) };
  const extra = { ...doc.extra };
  for (const k of Object.keys(parsed.data)) delete extra[k];
  // Known fields first in a stable order, as the prior app writes them (sorted), then the kept keys.
  const out: Record<string, unknown> = {};
  for (const k of [...FIELD_NAMES].sort()) out[k] = fields[k];
  for (const [k, v] of Object.entries(extra)) out[k] = v;
  writeFileAtomic(path, JSON.stringify(out, null, 2) + '\n', 0o600);
  return readSettingsFile(path);
}

function normalize(p: SettingsPatch): SettingsPatch {
  const out: Record<string, unknown> = { ...p };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = v.trim();
  if (typeof out.transport_mode === 'string') out.transport_mode = out.transport_mode.toLowerCase();
  if (typeof out.messaging_backend === 'string') out.messaging_backend = out.messaging_backend.toLowerCase();
  if (typeof out.discovery_mode === 'string') out.discovery_mode = out.discovery_mode.toLowerCase();
  return out as SettingsPatch;
}

// ---- environment overrides ----

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['', '0', 'false', 'no', 'off'];

/** Which environment variables override which field (the prior driver's names). First set one wins. */
export const ENV_FOR_FIELD: Record<FieldName, string[]> = {
  use_portal: ['DEVICE_CONNECT_PORTAL', 'REACHY_PORTAL'],
  nats_credentials_file: ['NATS_CREDENTIALS_FILE', 'PORTAL_CREDENTIALS_FILE', 'MESSAGING_CREDENTIALS_FILE'],
  device_id: ['DEVICE_ID'],
  tenant: ['TENANT'],
  reachy_target: ['REACHY_TARGET', 'REACHY_HOST'],
  transport_mode: ['REACHY_TRANSPORT_MODE'],
  allow_insecure: ['DEVICE_CONNECT_ALLOW_INSECURE'],
  simulate: ['REACHY_SIM', 'REACHY_SIMULATE'],
  no_media: ['REACHY_NO_MEDIA'],
  messaging_backend: ['MESSAGING_BACKEND'],
  messaging_urls: ['MESSAGING_URLS', 'NATS_URLS', 'NATS_URL'],
  discovery_mode: ['DEVICE_CONNECT_DISCOVERY_MODE'],
  portal_credentials_glob: ['PORTAL_CREDENTIALS_GLOB'],
  portal_credentials_dir: ['PORTAL_CREDENTIALS_DIR'],
  mhp_rig: ['MHP_RIG'],
  reachy_prefix: ['REACHY_PREFIX'],
};

export interface EffectiveSettings {
  fields: SettingsFields;
  /** field → the variable that set it. */
  overridden: Partial<Record<FieldName, string>>;
  errors: FieldError[];
  /** REACHY_PORT: the daemon port used when reachy_target names no port. */
  daemonPort?: number;
}

/** The file's fields with the environment applied on top; bad env values are reported by variable name. */
export function effectiveSettings(doc: SettingsDocument, env: Env = process.env): EffectiveSettings {
  const fields: SettingsFields = { ...doc.fields };
  const overridden: Partial<Record<FieldName, string>> = {};
  const errors: FieldError[] = [...doc.fileErrors];
  for (const name of FIELD_NAMES) {
    const v = ENV_FOR_FIELD[name].find((n) => env[n] !== undefined && env[n]!.trim() !== '');
    if (!v) continue;
    const raw = env[v]!.trim();
    let value: unknown = raw;
    if (typeof DEFAULT_SETTINGS[name] === 'boolean') {
      const l = raw.toLowerCase();
      if (TRUE.includes(l)) value = true;
      else if (FALSE.includes(l)) value = false;
      else {
        errors.push({ field: name, message: `${v}=${raw} is not a boolean (allowed: true, false, 1, 0, yes, no)` });
        continue;
      }
    }
    const one = settingsFieldsSchema.shape[name].safeParse(value);
    if (!one.success) {
      errors.push({ field: name, message: `${v}=${raw}: ${one.error.issues[0]?.message ?? 'invalid'}` });
      continue;
    }
    (fields as Record<string, unknown>)[name] = one.data;
    overridden[name] = v;
  }
  let daemonPort: number | undefined;
  const portRaw = env.REACHY_PORT?.trim();
  if (portRaw) {
    const p = Number(portRaw);
    if (Number.isInteger(p) && p >= 1 && p <= 65535) daemonPort = p;
    else errors.push({ field: 'reachy_target', message: `REACHY_PORT=${portRaw} must be an integer in [1, 65535]` });
  }
  return { fields, overridden, errors, daemonPort };
}
