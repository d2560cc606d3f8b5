/** `reachy-console driver --sim` as a separate process, found and driven by a MeshClient in this process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { until } from './stack';

const ID = 'reachy-mini-sim-1';
let nats: NatsServerHandle;
let child: ChildProcess | null = null;
let stderr = '';
let client: MeshClient;

beforeAll(async () => {
  nats = await startNatsServer();
  child = spawn(process.execPath, ['bin/reachy-console.mjs', 'driver', '--sim', '--device-id', ID], {
    env: {
      ...process.env,
      DEVICE_CONNECT_ALLOW_INSECURE: 'true',
      // Credentials in the URL must never show up in the logs.
      NATS_URL: nats.url.replace('nats://', 'nats://bob:s3cret-pw@'),
      DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
      MESSAGING_CREDENTIALS_FILE: '',
      NATS_CREDENTIALS_FILE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const conn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
  client = createMeshClient({ connection: conn, ownsConnection: true, discoveryWaitMs: 300 });
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await client?.close();
  await nats?.stop();
});

describe('reachy-console driver --sim (separate process)', () => {
  it('registers on the mesh, is listed and invoked, and leaves cleanly on SIGTERM', async () => {
    const dev = await until(async () => (await client.listDevices({ deviceType: 'reachy_mini' })).find((d) => d.device_id === ID), 40_000, 200);
    expect(dev.online).toBe(true);
    const st = (await client.invoke(ID, 'get_status')) as { driver_state: Record<string, unknown> };
    expect(st.driver_state.interlock_state).toBe('safe');
    const r = (await client.invoke(ID, 'look_at_world', { pitch: 5, yaw: 10, duration_s: 0.3, wait: true })) as Record<string, unknown>;
    expect(r.status).toBe('completed');
    // The banner names the mesh and the device, never a secret; the stream and the command subject are logged.
    expect(stderr).toMatch(/Reachy Mini driver: device reachy-mini-sim-1/);
    expect(stderr).toMatch(/joint stream up/);
    expect(stderr).toMatch(/Subscribed to commands on device-connect\.default\.reachy-mini-sim-1\.cmd/);
    // The driver's own lines never carry the URL's password (lines of other scopes: see the mesh's own tests).
    const driverLines = stderr.split('\n').filter((l) => /\[driver\] /.test(l));
    expect(driverLines.join('\n')).toMatch(/transport connected: nats nats:\/\/\*\*\*@127\.0\.0\.1/);
    expect(driverLines.join('\n')).not.toMatch(/s3cret-pw/);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/departure sent/);
    await until(async () => !(await client.getDevice(ID))?.online, 5000, 100);
  }, 60_000);
});
