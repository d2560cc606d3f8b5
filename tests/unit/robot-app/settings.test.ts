/** The on-robot app's settings file (prior driver format), env overrides, and portal-mode resolution. */
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, effectiveSettings, readSettingsFile, saveSettings, SettingsError } from '../../../src/main/robot-app/settings';
import { applyPriorDriverFlags, findPortalCredentials, PORTAL_NATS_URL, resolveRunConfig, summarizeCredentials, withDefaultPort } from '../../../src/main/robot-app/resolve';
import { UsageError } from '../../../src/main/app/command';

const dir = () => mkdtempSync(join(tmpdir(), 'robot-app-settings-'));

/** Exactly what the prior Python app writes (pydantic model_dump, sorted keys), plus a key we do not know. */
const PRIOR_FILE = {
  allow_insecure: false,
  device_id: '',
  discovery_mode: '',
  messaging_backend: '',
  messaging_urls: 'nats://10.0.0.5:4222',
  mhp_rig: 'reachy_mini',
  nats_credentials_file: '',
  no_media: true,
  portal_credentials_dir: '',
  portal_credentials_glob: '',
  reachy_prefix: 'reachy_mini',
  reachy_target: '127.0.0.1:8000',
  simulate: false,
  tenant: 'lab',
  transport_mode: 'websocket',
  use_portal: true,
  future_option: { nested: [1, 2] },
};

function fakeJwt(exp?: number): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ typ: 'JWT', alg: 'ed25519-nkey' })}.${b({ sub: 'U', ...(exp ? { exp } : {}) })}.sig`;
}
const seed = () => new TextDecoder().decode(nkeys.createUser().getSeed());
function writeCreds(path: string, o: { tenant?: string; deviceId?: string; urls?: string[]; exp?: number } = {}): string {
  writeFileSync(path, JSON.stringify({ device_id: o.deviceId ?? 'robo-9', tenant: o.tenant ?? 'acme', nats: { urls: o.urls ?? ['nats://broker.example:4222'], jwt: fakeJwt(o.exp), nkey_seed: seed() } }));
  return path;
}

describe('settings file (prior format)', () => {
  it('reads a prior-format file, and saving a change keeps every key, including unknown ones', () => {
    const p = join(dir(), 'device_connect_app.json');
    writeFileSync(p, JSON.stringify(PRIOR_FILE, null, 2));
    const doc = readSettingsFile(p);
    expect(doc.fields).toMatchObject({ use_portal: true, tenant: 'lab', no_media: true, messaging_urls: 'nats://10.0.0.5:4222' });
    expect(doc.extra).toEqual({ future_option: { nested: [1, 2] } });
    saveSettings(p, { device_id: 'reachy-kitchen' });
    const after = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    expect(after).toEqual({ ...PRIOR_FILE, device_id: 'reachy-kitchen' });
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad value or an unknown field naming it, and leaves the file byte-for-byte unchanged', () => {
    const p = join(dir(), 's.json');
    writeFileSync(p, JSON.stringify(PRIOR_FILE));
    const before = readFileSync(p, 'utf8');
    const cases: Array<[unknown, string]> = [
      [{ tenant: 'has space' }, 'tenant'],
      [{ transport_mode: 'zenoh' }, 'transport_mode'],
      [{ use_portal: 'yes' }, 'use_portal'],
      [{ reachy_target: 'host:99999' }, 'reachy_target'],
      [{ messaging_urls: 'http://x:80' }, 'messaging_urls'],
      [{ portal_credentials_glob: '../*.json' }, 'portal_credentials_glob'],
      [{ bogus: 1 }, 'bogus'],
      [[1, 2], '(body)'],
    ];
    for (const [patch, field] of cases) {
      let err: unknown;
      try {
        saveSettings(p, patch);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(patch)).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).errors.map((e) => e.field)).toContain(field);
      expect(readFileSync(p, 'utf8')).toBe(before);
    }
  });

  it('a hand-edited wrong value is reported and kept in the file until replaced; the console\'s url list is read', () => {
    const p = join(dir(), 's.json');
    writeFileSync(p, JSON.stringify({ transport_mode: 'zenoh', messaging_urls: ['nats://a:4222', 'nats://b:4222'] }));
    const doc = readSettingsFile(p);
    expect(doc.fileErrors.map((e) => e.field)).toEqual(['transport_mode']);
    expect(doc.fields.transport_mode).toBe(DEFAULT_SETTINGS.transport_mode);
    expect(doc.fields.messaging_urls).toBe('nats://a:4222,nats://b:4222');
    saveSettings(p, { tenant: 'x' });
    expect(JSON.parse(readFileSync(p, 'utf8')).transport_mode).toBe('zenoh');
    saveSettings(p, { transport_mode: 'http' });
    expect(readSettingsFile(p).fileErrors).toEqual([]);
  });

  it('environment variables override the file and are reported; a bad env value names the variable', () => {
    const doc = readSettingsFile('/nonexistent/x.json');
    const eff = effectiveSettings(doc, { DEVICE_CONNECT_PORTAL: 'true', REACHY_TARGET: '10.1.1.1', TENANT: 'env-t', REACHY_PORT: '9000' });
    expect(eff.fields).toMatchObject({ use_portal: true, reachy_target: '10.1.1.1', tenant: 'env-t' });
    expect(eff.overridden).toEqual({ use_portal: 'DEVICE_CONNECT_PORTAL', reachy_target: 'REACHY_TARGET', tenant: 'TENANT' });
    expect(eff.daemonPort).toBe(9000);
    const bad = effectiveSettings(doc, { REACHY_SIM: 'maybe', REACHY_TRANSPORT_MODE: 'zenoh' });
    const text = bad.errors.map((e) => e.message).join('\n');
    expect(text).toMatch(/REACHY_SIM=maybe is not a boolean/);
    expect(text).toMatch(/REACHY_TRANSPORT_MODE=zenoh: one of auto, websocket, http/);
  });
});

describe('portal mode and run config', () => {
  it('portal: NATS, the credentials\' broker, discovery infra, device id and tenant from the credentials', () => {
    const d = dir();
    const creds = writeCreds(join(d, 'robo.creds.json'));
    const eff = effectiveSettings({ fields: { ...DEFAULT_SETTINGS, use_portal: true, nats_credentials_file: creds }, extra: {}, fileErrors: [], exists: true }, {});
    const run = resolveRunConfig(eff);
    expect(run.mesh).toMatchObject({ backend: 'nats', urls: ['nats://broker.example:4222'], tenant: 'acme', discoveryMode: 'infra' });
    expect(run.deviceId).toBe('robo-9');
    expect(run.target.baseUrl).toBe('http://127.0.0.1:8000');
    // Explicit settings win over the credentials.
    const eff2 = effectiveSettings({ fields: { ...DEFAULT_SETTINGS, use_portal: true, nats_credentials_file: creds, device_id: 'mine', discovery_mode: 'd2d' }, extra: {}, fileErrors: [], exists: true }, {});
    expect(resolveRunConfig(eff2)).toMatchObject({ deviceId: 'mine', mesh: { discoveryMode: 'd2d' } });
  });

  it('portal without urls in the credentials uses the portal broker; without any file it names what is missing', () => {
    const d = dir();
    const p = join(d, 'c.json');
    writeFileSync(p, JSON.stringify({ tenant: 't1', nats: { jwt: fakeJwt(), nkey_seed: seed() } }));
    const run = resolveRunConfig(effectiveSettings({ fields: { ...DEFAULT_SETTINGS, use_portal: true, nats_credentials_file: p }, extra: {}, fileErrors: [], exists: true }, {}));
    expect(run.mesh.urls).toEqual([PORTAL_NATS_URL]);
    const none = effectiveSettings({ fields: { ...DEFAULT_SETTINGS, use_portal: true, portal_credentials_dir: join(d, 'empty') }, extra: {}, fileErrors: [], exists: true }, {});
    expect(() => resolveRunConfig(none)).toThrow(/portal mode needs a credentials file/);
    // Portal off and nothing configured: not startable, and the field to fix is named.
    try {
      resolveRunConfig(effectiveSettings(readSettingsFile('/nonexistent'), {}));
      expect.unreachable();
    } catch (e) {
      expect((e as SettingsError).errors.map((x) => x.field)).toEqual(['messaging_urls']);
    }
  });

  it('auto-discovers the newest matching credentials file; summaries show expiry and never secrets', () => {
    const d = dir();
    const old = writeCreds(join(d, 'dev-a.json'), { deviceId: 'old' });
    utimesSync(old, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeCreds(join(d, 'dev-b.json'), { deviceId: 'new', exp: Math.floor(Date.now() / 1000) - 10 });
    writeFileSync(join(d, 'other.txt'), 'x');
    const found = findPortalCredentials('dev-*.json', d);
    expect(found).toBe(join(d, 'dev-b.json'));
    const s = summarizeCredentials(found);
    expect(s).toMatchObject({ present: true, file: 'dev-b.json', tenant: 'acme', device_id: 'new', expired: true });
    expect(JSON.stringify(s)).not.toMatch(/SU[A-Z0-9]{20}|nkey|jwt/i);
    expect(summarizeCredentials(old).expires).toBeNull();
  });

  it('REACHY_PORT / --api-port apply when the target names no port', () => {
    expect(withDefaultPort('reachy-mini.local', 9000)).toBe('reachy-mini.local:9000');
    expect(withDefaultPort('10.0.0.2:8000', 9000)).toBe('10.0.0.2:8000');
    expect(withDefaultPort('sim', 9000)).toBe('sim');
    expect(withDefaultPort('::1', 9000)).toBe('[::1]:9000');
  });
});

describe('driver: prior flags', () => {
  it('--portal with --portal-credentials sets NATS, the broker, device id, tenant and infra; --device-id wins', () => {
    const creds = writeCreds(join(dir(), 'p.json'), { urls: ['nats://10.9.9.9:4222'] });
    const env: Record<string, string | undefined> = { DEVICE_ID: 'from-env' };
    applyPriorDriverFlags({ portal: true, 'portal-credentials': creds }, env);
    expect(env).toMatchObject({ MESSAGING_BACKEND: 'nats', MESSAGING_CREDENTIALS_FILE: creds, MESSAGING_URLS: 'nats://10.9.9.9:4222', DEVICE_ID: 'robo-9', TENANT: 'acme', DEVICE_CONNECT_DISCOVERY_MODE: 'infra' });
    const env2: Record<string, string | undefined> = { DEVICE_CONNECT_PORTAL: '1', PORTAL_CREDENTIALS_FILE: creds, NATS_URL: 'nats://own:4222' };
    applyPriorDriverFlags({ 'device-id': 'explicit' }, env2);
    expect(env2.DEVICE_ID).toBeUndefined();
    expect(env2.MESSAGING_URLS).toBeUndefined(); // the user's own broker URL stays
    expect(env2.MESSAGING_CREDENTIALS_FILE).toBe(creds);
  });

  it('refuses what it cannot do, naming the flag', () => {
    expect(() => applyPriorDriverFlags({ 'messaging-backend': 'zenoh' }, {})).toThrow(UsageError);
    expect(() => applyPriorDriverFlags({ 'api-port': '70000' }, {})).toThrow(/--api-port=70000/);
    expect(() => applyPriorDriverFlags({ portal: true, 'portal-credentials-dir': '/nonexistent-dir' }, {})).toThrow(/--portal: portal mode needs a credentials file/);
    const r = applyPriorDriverFlags({ 'api-port': '8100', host: 'reachy-mini.local' }, { REACHY_TARGET: '10.0.0.3' });
    expect(r.host).toBe('reachy-mini.local:8100');
  });
});
