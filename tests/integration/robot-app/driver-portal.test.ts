/**
 * `reachy-console driver --portal` (the prior driver's flag) as a separate process against a nats-server in
 * operator mode: NATS with the credentials' broker URL, discovery infra, device id and tenant from the credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { startOperatorBroker, type OperatorBroker } from './broker';
import { until } from '../driver/stack';

setStderrLogging(false);
let broker: OperatorBroker;
let child: ChildProcess | null = null;
let client: MeshClient | null = null;
let stderr = '';
const dir = mkdtempSync(join(tmpdir(), 'robot-app-portal-'));

beforeAll(async () => {
  broker = await startOperatorBroker();
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await client?.close().catch(() => undefined);
  await broker?.nats.stop();
});

describe('driver --portal', () => {
  it('takes broker, device id and tenant from the auto-discovered credentials and serves over NATS', async () => {
    broker.writeCreds(join(dir, 'lab-robot.json'), { deviceId: 'reachy-from-creds', tenant: 'acme' });
    const clean = { ...process.env };
    for (const k of ['NATS_URL', 'MESSAGING_URLS', 'NATS_URLS', 'DEVICE_ID', 'TENANT', 'MESSAGING_CREDENTIALS_FILE', 'NATS_CREDENTIALS_FILE', 'DEVICE_CONNECT_DISCOVERY_MODE', 'DEVICE_CONNECT_ALLOW_INSECURE']) delete clean[k];
    child = spawn(process.execPath, ['bin/reachy-console.mjs', 'driver', '--portal', '--portal-credentials-dir', dir, '--portal-credentials-glob', 'lab-*.json', '--sim', '--sim-mode', 'mockup', '--no-media', '--state-hz', '5'], {
      env: clean,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const conn = await openMesh(meshConfigFromEnv({}, { urls: [broker.nats.url], credentialsFile: join(dir, 'lab-robot.json'), discoveryMode: 'infra' }));
    client = createMeshClient({ connection: conn, ownsConnection: true, requestTimeoutMs: 2000 });
    const st = (await until(async () => (await client!.invoke('reachy-from-creds', 'get_status').catch(() => null)) as Record<string, unknown> | null, 40_000, 250)) as Record<string, unknown>;
    expect(st.driver_state).toBeTruthy();
    expect(stderr).toMatch(/device reachy-from-creds \(reachy_mini\), tenant acme, mesh nats nats:\/\/127\.0\.0\.1:\d+, discovery infra, credentials file given/);
    // The driver installs its signal handlers once start-up (infra registration attempt included) is done.
    await until(() => /Subscribed to commands on device-connect\.acme\.reachy-from-creds\.cmd/.test(stderr), 20_000, 100);
    const exited = new Promise<number | null>((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('--portal without any credentials exits 2 naming what is missing; --messaging-backend zenoh is refused', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['bin/reachy-console.mjs', 'driver', ...args], { env: { ...process.env, NATS_CREDENTIALS_FILE: '', MESSAGING_CREDENTIALS_FILE: '', PORTAL_CREDENTIALS_FILE: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.once('exit', (code) => resolve({ code, err }));
      });
    const a = await run(['--portal', '--portal-credentials-dir', join(dir, 'nothing-here')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--portal: portal mode needs a credentials file/);
    const b = await run(['--messaging-backend', 'zenoh', '--sim']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--messaging-backend=zenoh is not supported \(allowed: nats\)/);
  }, 30_000);
});
