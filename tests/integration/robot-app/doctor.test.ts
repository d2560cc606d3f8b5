/**
 * `reachy-console doctor` against the simulator (with media and WebRTC signalling) and a real nats-server in
 * operator mode: all ✓; the broker down → broker ✗ with a hint; the daemon down → daemon ✗ and its dependants.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { attachSimMedia } from '../../../src/main/sim/media';
import { runChecks, formatReport } from '../../../src/main/app/commands/doctor';
import { effectiveSettings, readSettingsFile, type SettingsFields } from '../../../src/main/robot-app/settings';
import { freePort } from '../../helpers/nats-server';
import { until } from '../driver/stack';
import { startOperatorBroker, type OperatorBroker } from './broker';

setStderrLogging(false);
let broker: OperatorBroker;
let sim: Simulator;
let media: { close(): Promise<void> } | null = null;
const dir = mkdtempSync(join(tmpdir(), 'robot-app-doctor-'));
let creds: string;
let appPort: number;

function settingsFile(fields: Partial<SettingsFields>): string {
  const p = join(dir, `s-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify(fields));
  return p;
}
const eff = (p: string) => effectiveSettings(readSettingsFile(p), {});
const byId = (checks: Array<{ id: string; ok: boolean | null; detail: string; hint?: string }>) => Object.fromEntries(checks.map((c) => [c.id, c]));

beforeAll(async () => {
  broker = await startOperatorBroker();
  creds = broker.writeCreds(join(dir, 'robot.creds.json'), { deviceId: 'reachy-doc', tenant: 'acme' });
  sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'mockup', wakeUpOnStart: true });
  media = await attachSimMedia(sim);
  await until(async () => ((await (await fetch(`${sim.url}/api/daemon/status`)).json()) as { state: string }).state === 'running', 20_000, 100);
  appPort = await freePort();
}, 60_000);

afterAll(async () => {
  await media?.close();
  await sim?.stop();
  await broker?.nats.stop();
});

describe('doctor', () => {
  it('all ✓ against the simulator and a local broker (the broker clock line says unsupported)', async () => {
    const p = settingsFile({ use_portal: true, nats_credentials_file: creds, reachy_target: `127.0.0.1:${sim.port}`, transport_mode: 'websocket' });
    const r = await runChecks({ eff: eff(p), appPort, timeoutMs: 4000 });
    const c = byId(r.checks);
    const failed = r.checks.filter((x) => x.ok === false);
    expect(failed, formatReport(r)).toEqual([]);
    for (const id of ['daemon', 'ws_sdk', 'motors', 'media', 'webrtc', 'mdns', 'broker', 'broker_auth', 'credentials', 'tenant', `port_${appPort}`]) {
      expect(c[id]?.ok, `${id}: ${c[id]?.detail}`).toBe(true);
    }
    expect(c.daemon.detail).toMatch(/version \S+, state running/);
    expect(c.motors.detail).toBe('enabled');
    expect(c.webrtc.detail).toMatch(/"reachymini" listed/);
    expect(c.broker.detail).toMatch(/nats-server \d+\.\d+/);
    expect(c.credentials.detail).toMatch(/robot\.creds\.json: valid, expires 20\d\d-/);
    expect(c.tenant.detail).toMatch(/^acme/);
    expect(c.clock_broker).toMatchObject({ ok: null });
    expect(c.clock_broker.detail).toMatch(/^unsupported/);
    expect(r.ok).toBe(true);
    expect(formatReport(r)).toMatch(/^✓ daemon reachable: /m);
  });

  it('broker down: broker ✗ with a fix hint, the robot side still ✓', async () => {
    const p = settingsFile({ use_portal: true, nats_credentials_file: creds, reachy_target: `127.0.0.1:${sim.port}` });
    await broker.nats.kill();
    try {
      const r = await runChecks({ eff: eff(p), appPort, timeoutMs: 2000 });
      const c = byId(r.checks);
      expect(c.broker.ok).toBe(false);
      expect(c.broker.detail).toMatch(/ECONNREFUSED/);
      expect(c.broker.hint).toMatch(/start the broker/);
      expect(c.broker_auth.ok).toBe(false);
      expect(c.daemon.ok).toBe(true);
      expect(r.ok).toBe(false);
      expect(formatReport(r)).toMatch(/^✗ broker reachable: .*\n {4}fix: /m);
    } finally {
      await broker.nats.start();
    }
  });

  it('daemon down: daemon ✗ (connection refused) and the checks that need it ✗, the broker still ✓', async () => {
    const dead = await freePort();
    const p = settingsFile({ use_portal: true, nats_credentials_file: creds, reachy_target: `127.0.0.1:${dead}` });
    const r = await runChecks({ eff: eff(p), appPort, timeoutMs: 2000 });
    const c = byId(r.checks);
    expect(c.daemon.ok).toBe(false);
    expect(c.daemon.detail).toMatch(/ECONNREFUSED/);
    expect(c.daemon.hint).toMatch(/reachy_target/);
    for (const id of ['ws_sdk', 'motors', 'media', 'webrtc']) expect(c[id].ok, id).toBe(false);
    expect(c.broker.ok).toBe(true);
    expect(c.broker_auth.ok).toBe(true);
  });

  it('expired credentials: ✗ with "download fresh credentials"', async () => {
    const old = broker.writeCreds(join(dir, 'old.creds.json'), { expSecondsFromNow: -60 });
    const p = settingsFile({ use_portal: true, nats_credentials_file: old, reachy_target: `127.0.0.1:${sim.port}` });
    const c = byId((await runChecks({ eff: eff(p), appPort, timeoutMs: 2000 })).checks);
    expect(c.credentials.ok).toBe(false);
    expect(c.credentials.detail).toMatch(/expired/);
    expect(c.credentials.hint).toMatch(/download fresh credentials/);
    expect(c.broker_auth.ok).toBe(false);
  });

  it('the CLI: `doctor --json` prints the checks and exits 1 when one fails', async () => {
    const dead = await freePort();
    const p = settingsFile({ use_portal: true, nats_credentials_file: creds, reachy_target: `127.0.0.1:${dead}` });
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'doctor', '--json', '--timeout', '2', '--settings', p, '--port', String(appPort)], {
      env: { ...process.env, REACHY_MINI_DRIVER_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    const report = JSON.parse(out) as { ok: boolean; checks: Array<{ id: string; ok: boolean | null }> };
    expect(report.ok).toBe(false);
    expect(byId(report.checks as Array<{ id: string; ok: boolean | null; detail: string }>).daemon.ok).toBe(false);
    expect(byId(report.checks as Array<{ id: string; ok: boolean | null; detail: string }>).broker.ok).toBe(true);
  }, 30_000);
});
