/**
 * A broker that is down at start: `reachy-console driver` (a separate process) and the console's bring-up both
 * start, say they are waiting, and serve as soon as the broker is up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleHost } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import { setStderrLogging } from '../../../src/main/log';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import type { InvokeResult } from '../../../src/shared/console-api';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';

setStderrLogging(false);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until<T>(fn: () => Promise<T> | T, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function downBroker(): Promise<NatsServerHandle> {
  const nats = await startNatsServer();
  cleanups.push(() => nats.stop());
  await nats.kill();
  return nats;
}

describe('the driver waits for the broker', () => {
  it('`reachy-console driver` with the broker down keeps running, says it is waiting, and serves once the broker is up', async () => {
    const nats = await downBroker();
    const id = 'reachy-late-1';
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, ['bin/reachy-console.mjs', 'driver', '--sim', '--sim-mode', 'mockup', '--no-media', '--device-id', id], {
      env: {
        ...process.env,
        NATS_URL: nats.url,
        DEVICE_CONNECT_ALLOW_INSECURE: 'true',
        DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
        MESSAGING_CREDENTIALS_FILE: '',
        NATS_CREDENTIALS_FILE: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

    await until(() => /waiting for the broker/i.test(stderr), 20_000, 'the driver says it waits');
    expect(stderr).toContain(nats.url);
    await sleep(1500);
    expect(child.exitCode).toBeNull();

    await nats.start();
    const conn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
    const client: MeshClient = createMeshClient({ connection: conn, ownsConnection: true, discoveryWaitMs: 300 });
    cleanups.push(() => client.close());
    const st = await until(
      async () => (await client.invoke(id, 'get_status', {}, { timeoutMs: 1000 }).catch(() => null)) as { driver_state: { interlock_state: string } } | null,
      20_000,
      'the driver answers on the broker',
    );
    expect(st.driver_state.interlock_state).toBe('safe');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it("the console's bring-up with its broker down waits, then connects and starts the bundled driver", async () => {
    const nats = await downBroker();
    const dir = mkdtempSync(join(tmpdir(), 'console-late-'));
    const id = 'reachy-late-2';
    writeFileSync(
      join(dir, 's.json'),
      JSON.stringify({ messaging_backend: 'nats', messaging_urls: nats.url, allow_insecure: true, device_id: id, no_media: true, sim_mode: 'mockup', simulate: true }),
    );
    const host = new ConsoleHost({ backends: realBackends(), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
    cleanups.push(() => host.close());
    const session = host.openSession(() => undefined);
    let seq = 1;
    const result = async <T>(method: string, params: unknown = {}): Promise<T> => {
      const r = await session.handle({ id: seq++, method, params });
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.result as T;
    };

    await host.bootstrap();
    const waiting = host.snapshot();
    expect(waiting.mesh).toMatchObject({ kind: 'nats', status: 'connecting' });
    expect(waiting.mesh.error).toMatch(/waiting for the broker/i);
    expect(waiting.sim.running).toBe(true);

    await nats.start();
    await until(() => host.snapshot().mesh.status === 'connected' && host.snapshot().driver.running, 20_000, 'console connected with its driver');
    const st = await until(
      async () => {
        const out = await result<InvokeResult>('invoke', { deviceId: id, fn: 'get_status', timeoutMs: 1000 }).catch(() => null);
        return out ? (out.result as { driver_state: { interlock_state: string } }) : null;
      },
      10_000,
      'the bundled driver answers through the console',
    );
    expect(st.driver_state.interlock_state).toBe('safe');
  }, 60_000);
});
