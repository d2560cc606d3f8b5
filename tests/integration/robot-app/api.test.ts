/**
 * The settings API against a real nats-server in operator mode (portal-style credentials) and the simulator: bad
 * input is refused with the field named and nothing changed; credentials upload; the driver starts when the
 * settings become valid, answers get_status over NATS, and restarts cleanly on a settings change.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createLogger } from '../../../src/main/log';
import { createRobotAppStack } from '../../../src/main/app/robot-app-stack';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { startRobotAppServer, type RobotAppServer } from '../../../src/main/robot-app/server';
import { DriverSupervisor } from '../../../src/main/robot-app/supervisor';
import { effectiveSettings, readSettingsFile } from '../../../src/main/robot-app/settings';
import { loadOrCreateToken } from '../../../src/main/robot-app/token';
import { runChecks } from '../../../src/main/app/commands/doctor';
import { startOperatorBroker, type OperatorBroker } from './broker';
import { freePort } from '../../helpers/nats-server';
import { until } from '../driver/stack';

setStderrLogging(false);
let broker: OperatorBroker;
let sim: Simulator;
let server: RobotAppServer;
let supervisor: DriverSupervisor;
let client: MeshClient | null = null;
let token: string;
const dir = mkdtempSync(join(tmpdir(), 'robot-app-api-'));
const settingsPath = join(dir, 'cfg', 'device_connect_app.json');
let base: string;

type Json = Record<string, unknown>;
async function req(method: string, path: string, o: { body?: unknown; raw?: BodyInit; headers?: Record<string, string>; auth?: string | null } = {}): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.auth !== null) headers.Authorization = `Bearer ${o.auth ?? token}`;
  let body: BodyInit | undefined = o.raw;
  if (o.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(o.body);
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

function uploadForm(name: string, content: string | Uint8Array<ArrayBuffer>): FormData {
  const fd = new FormData();
  fd.append('file', new Blob([content]), name);
  return fd;
}

const fieldsOf = (j: Json): string[] => ((j.errors as Array<{ field: string }> | undefined) ?? []).map((e) => e.field);

beforeAll(async () => {
  broker = await startOperatorBroker();
  sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'mockup', wakeUpOnStart: true, noMedia: true });
  // A file as the prior driver left it: portal off, no credentials, and a key we do not know.
  writeFileSync(join(dir, 'placeholder'), '');
  token = loadOrCreateToken(settingsPath);
  writeFileSync(settingsPath, JSON.stringify({ use_portal: false, reachy_target: `127.0.0.1:${sim.port}`, transport_mode: 'websocket', no_media: true, mhp_rig: 'reachy_mini', legacy_key: 'keep me' }, null, 2));
  supervisor = new DriverSupervisor({ load: () => effectiveSettings(readSettingsFile(settingsPath), {}), stack: createRobotAppStack({ latchDir: dir, logger: createLogger('test/robot-app') }), stateHz: 5, retryMinMs: 300, retryMaxMs: 1000 });
  server = await startRobotAppServer({ settingsPath, env: {}, supervisor, token, staticDir: join(dir, 'no-page'), port: 0, bindHost: '127.0.0.1', validateTimeoutMs: 3000 });
  base = `http://127.0.0.1:${server.port}`;
  await supervisor.reload('app start');
}, 60_000);

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await supervisor?.close();
  await server?.close();
  await sim?.stop();
  await broker?.nats.stop();
});

describe('robot app API: security', () => {
  it('health is open; every other route needs the token (401 without or with a wrong one)', async () => {
    expect(await req('GET', '/api/health', { auth: null })).toMatchObject({ status: 200, json: { status: 'ok' } });
    for (const [m, p] of [['GET', '/api/settings'], ['PUT', '/api/settings'], ['POST', '/api/validate'], ['POST', '/api/credentials/upload'], ['GET', '/api/status'], ['POST', '/api/driver/restart']]) {
      expect((await req(m, p, { auth: null })).status, `${m} ${p}`).toBe(401);
      expect((await req(m, p, { auth: token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a') })).status, `${m} ${p}`).toBe(401);
    }
    expect((await req('GET', '/api/settings', { auth: null, headers: { Authorization: token } })).status).toBe(401);
    expect((await req('GET', `/api/settings?token=${token}`, { auth: null })).status).toBe(401);
  });

  it('a foreign Host (DNS rebinding) or Origin is refused with 403, even with the token', async () => {
    const { request } = await import('node:http');
    const raw = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port: server.port, path: '/api/settings', headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        r.on('error', reject);
        r.end();
      });
    expect(await raw({ Host: `evil.example:${server.port}` })).toBe(403);
    expect(await raw({ Host: `127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await raw({ Host: `127.0.0.1:${server.port}`, Origin: 'http://evil.example' })).toBe(403);
    expect(await raw({ Host: `127.0.0.1:${server.port}`, Origin: 'null' })).toBe(403);
    expect(await raw({ Host: `127.0.0.1:${server.port}`, Origin: `http://127.0.0.1:${server.port}` })).toBe(200);
    expect(await raw({ Host: `localhost:${server.port}` })).toBe(200);
  });
});

describe('robot app API: bad input changes nothing', () => {
  it('wrong types, unknown fields, non-JSON and huge bodies: 422/415/413 with the field named, file unchanged', async () => {
    const before = readFileSync(settingsPath, 'utf8');
    const bad: Array<[unknown, string]> = [
      [{ use_portal: 'true' }, 'use_portal'],
      [{ simulate: 1 }, 'simulate'],
      [{ device_id: 42 }, 'device_id'],
      [{ transport_mode: 'zenoh' }, 'transport_mode'],
      [{ reachy_target: 'a b' }, 'reachy_target'],
      [{ admin: true }, 'admin'],
      [null, '(body)'],
      ['text', '(body)'],
    ];
    for (const [body, field] of bad) {
      const r = await req('PUT', '/api/settings', { body });
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(fieldsOf(r.json), JSON.stringify(body)).toContain(field);
      expect(String(r.json.error)).toContain(field === '(body)' ? '' : field);
    }
    expect((await req('PUT', '/api/settings', { raw: 'tenant=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await req('PUT', '/api/settings', { raw: '{"tenant":', headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
    const huge = await req('PUT', '/api/settings', { body: { tenant: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
    expect((await req('POST', '/api/validate', { body: { bogus: 1 } })).status).toBe(422);
    expect((await req('DELETE', '/api/settings')).status).toBe(405);
    expect(readFileSync(settingsPath, 'utf8')).toBe(before);
  });

  it('credentials upload refuses path tricks, wrong types, non-credentials and oversize files; stores nothing', async () => {
    const good = broker.credsText();
    const cases: Array<[string, string | Uint8Array<ArrayBuffer>, number]> = [
      ['../../etc/evil.json', good, 422],
      ['sub/dir.json', good, 422],
      ['..\\win.json', good, 422],
      ['.hidden.json', good, 422],
      ['creds.txt', good, 422],
      ['creds.json.exe', good, 422],
      ['notcreds.json', '{"hello":"world"}', 422],
      ['big.json', new Uint8Array(300 * 1024).fill(32), 413],
    ];
    for (const [name, content, status] of cases) {
      const r = await req('POST', '/api/credentials/upload', { raw: uploadForm(name, content) });
      expect(r.status, name).toBe(status);
    }
    expect((await req('POST', '/api/credentials/upload', { raw: 'x', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect(existsSync(join(dir, 'cfg', 'credentials')) ? readdirSync(join(dir, 'cfg', 'credentials')) : []).toEqual([]);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).nats_credentials_file ?? '').toBe('');
  });
});

describe('robot app: the driver follows the settings', () => {
  it('not configured at first: the page still works and the status names the field', async () => {
    const st = await req('GET', '/api/status');
    expect(st.json.driver).toMatchObject({ state: 'not_configured', running: false });
    expect(fieldsOf(st.json.driver as Json)).toContain('messaging_urls');
    const s = await req('GET', '/api/settings');
    expect(s.json.kept_keys).toEqual(['legacy_key']);
    expect(s.json.credentials).toEqual({ present: false });
  });

  it('upload + portal mode → the driver joins with the credentials\' identity and answers get_status over NATS', async () => {
    const up = await req('POST', '/api/credentials/upload', { raw: uploadForm('reachy.creds.json', broker.credsText({ deviceId: 'reachy-portal-7', tenant: 'acme' })) });
    expect(up.status).toBe(200);
    const stored = join(dir, 'cfg', 'credentials', 'reachy.creds.json');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(up.json.credentials).toMatchObject({ present: true, tenant: 'acme', device_id: 'reachy-portal-7', expired: false });
    // The secret never comes back, from any route.
    const all = JSON.stringify(up.json) + JSON.stringify((await req('GET', '/api/settings')).json) + JSON.stringify((await req('GET', '/api/status')).json);
    const secret = JSON.parse(readFileSync(stored, 'utf8')) as { nats: { jwt: string; nkey_seed: string } };
    expect(all).not.toContain(secret.nats.nkey_seed);
    expect(all).not.toContain(secret.nats.jwt.split('.')[1]);

    const put = await req('PUT', '/api/settings', { body: { use_portal: true, transport_mode: 'websocket' } });
    expect(put.status).toBe(200);
    const file = JSON.parse(readFileSync(settingsPath, 'utf8')) as Json;
    expect(file).toMatchObject({ use_portal: true, legacy_key: 'keep me', nats_credentials_file: stored });

    const running = await until(async () => {
      const d = (await req('GET', '/api/status')).json.driver as Json;
      return d.state === 'running' ? d : null;
    }, 20_000, 100);
    expect(running).toMatchObject({ device_id: 'reachy-portal-7', tenant: 'acme', portal: true, mesh: { connected: true } });

    const conn = await openMesh(meshConfigFromEnv({}, { urls: [broker.nats.url], credentialsFile: stored, discoveryMode: 'infra' }));
    client = createMeshClient({ connection: conn, ownsConnection: true, requestTimeoutMs: 5000 });
    const st = (await client.invoke('reachy-portal-7', 'get_status')) as { driver_state: Json };
    expect(st.driver_state).toBeTruthy();
  });

  it('validate really checks: broker accepts the credentials, the daemon answers, the transport works; a dead broker is ✗', async () => {
    const ok = await req('POST', '/api/validate', { body: {} });
    const byId = Object.fromEntries((ok.json.checks as Array<Json>).map((c) => [c.id, c]));
    expect(byId.broker_auth).toMatchObject({ ok: true });
    expect(String(byId.broker_auth.detail)).toMatch(/JWT \+ nkey/);
    expect(byId.daemon).toMatchObject({ ok: true });
    expect(String(byId.daemon.detail)).toMatch(/version/);
    expect(byId.transport).toMatchObject({ ok: true });
    expect(byId.credentials).toMatchObject({ ok: true });
    expect(ok.json.ok).toBe(true);
    // The same check with an unsaved change: a broker nobody listens on, and a daemon port nobody serves.
    const dead = await freePort();
    const bad = await req('POST', '/api/validate', { body: { messaging_urls: `nats://127.0.0.1:${dead}`, reachy_target: `127.0.0.1:${dead}` } });
    const b = Object.fromEntries((bad.json.checks as Array<Json>).map((c) => [c.id, c]));
    expect(b.broker_auth.ok).toBe(false);
    expect(b.daemon.ok).toBe(false);
    expect(String(b.daemon.detail)).toMatch(/ECONNREFUSED/);
    expect(bad.json.ok).toBe(false);
  });

  it('doctor sees the settings port held by this app (not "another program")', async () => {
    const r = await runChecks({ eff: effectiveSettings(readSettingsFile(settingsPath), {}), appPort: server.port, timeoutMs: 2000 });
    const port = r.checks.find((c) => c.id === `port_${server.port}`);
    expect(port).toMatchObject({ ok: true, detail: `port ${server.port} in use by reachy-console app` });
  });

  it('a settings change restarts the driver: the old device leaves, the new one answers', async () => {
    const put = await req('PUT', '/api/settings', { body: { device_id: 'reachy-renamed' } });
    expect(put.status).toBe(200);
    const st = (await until(async () => (await client!.invoke('reachy-renamed', 'get_status', {}, { timeoutMs: 1000 }).catch(() => null)) as Json | null, 20_000, 200)) as Json;
    expect(st.driver_state).toBeTruthy();
    await expect(client!.invoke('reachy-portal-7', 'get_status', {}, { timeoutMs: 800 })).rejects.toThrow();
    const d = await until(async () => {
      const x = (await req('GET', '/api/status')).json.driver as { state: string; restarts: number; history: Array<{ message: string }> };
      return x.state === 'running' ? x : null;
    }, 10_000, 100);
    expect(d.restarts).toBeGreaterThanOrEqual(1);
    expect(d.history.map((h) => h.message).join('\n')).toMatch(/settings changed: stopping the driver \(stop motion, departure\)[\s\S]*reachy-portal-7 stopped \(departure sent\)[\s\S]*reachy-renamed running/);
  });
});
