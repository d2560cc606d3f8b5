/**
 * A trip stays latched on the robot: the robot app restarts its driver on every settings change, and the app or the
 * headless driver may be restarted; none of that clears an E-STOP. Only reset_interlock does. A real nats-server,
 * the simulator as the daemon (a host:port target, as a robot's daemon is), the robot app's supervisor with the
 * composition root's stack, and the `driver` CLI as a separate process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRobotAppStack } from '../../../src/main/app/robot-app-stack';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { createMeshClient, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient, MeshConnection } from '../../../src/main/mesh';
import { DriverSupervisor, effectiveSettings, readSettingsFile } from '../../../src/main/robot-app';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';

setStderrLogging(false);
const ROOT = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'robot-latch-'));
const settingsPath = join(dir, 'device_connect_app.json');
const latchFile = join(dir, 'interlock-latch.json');
type Status = { interlock_state: string; interlock_reason?: string | null };
type StatusReply = { driver_state: Status };

let nats: NatsServerHandle;
let sim: Simulator;
let conn: MeshConnection;
let client: MeshClient;
let operator: DeviceRuntime;
const supervisors: DriverSupervisor[] = [];

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const status = async (id: string): Promise<Status> => ((await client.invoke(id, 'get_status', {}, { timeoutMs: 1500 })) as StatusReply).driver_state;
const serving = (id: string): Promise<Status> => until(() => status(id), 20_000, `${id} serving`);

function startSupervisor(): DriverSupervisor {
  const s = new DriverSupervisor({
    load: () => effectiveSettings(readSettingsFile(settingsPath), {}),
    stack: createRobotAppStack({ latchDir: dir, logger: createLogger('test/robot-app') }),
    stateHz: 5,
    retryMinMs: 300,
    retryMaxMs: 1000,
  });
  supervisors.push(s);
  return s;
}

beforeAll(async () => {
  nats = await startNatsServer();
  sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'mockup', wakeUpOnStart: true, noMedia: true });
  await sim.ready();
  writeFileSync(
    settingsPath,
    JSON.stringify({ messaging_urls: nats.url, allow_insecure: true, discovery_mode: 'd2d', reachy_target: `127.0.0.1:${sim.port}`, device_id: 'reachy-latch', no_media: true }),
  );
  conn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
  client = createMeshClient({ connection: conn, ownsConnection: false, requestTimeoutMs: 3000 });
  // The console's E-STOP is its own mesh device emitting emergency_stop.
  operator = new DeviceRuntime({ connection: conn, deviceId: 'test-operator', deviceType: 'operator_console', description: 'test', functions: [] });
  await operator.start();
}, 60_000);

afterAll(async () => {
  for (const s of supervisors) await s.close().catch(() => undefined);
  await operator?.stop().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await conn?.close().catch(() => undefined);
  await sim?.stop().catch(() => undefined);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('interlock latch on the robot', () => {
  it('robot app: an E-STOP survives a settings change and an app restart; reset_interlock clears it for good', async () => {
    const app = startSupervisor();
    await app.reload('app start');
    expect((await serving('reachy-latch')).interlock_state).toBe('safe');

    operator.emit('emergency_stop', { reason: 'operator pressed E-STOP', source: 'operator' });
    await until(async () => (await status('reachy-latch')).interlock_state === 'tripped', 5000, 'trip');
    expect(JSON.parse(readFileSync(latchFile, 'utf8')).latched['reachy-latch']).toMatchObject({ source: 'operator', target: `127.0.0.1:${sim.port}` });

    // A settings save restarts the driver; it comes back tripped with the first cause, and motion is refused.
    await app.reload('settings changed');
    expect(app.status().restarts).toBe(1);
    const after = await serving('reachy-latch');
    expect(after.interlock_state).toBe('tripped');
    expect(after.interlock_reason).toMatch(/operator pressed E-STOP.*latched since/);
    await expect(client.invoke('reachy-latch', 'look_at_world', { pitch: 2 })).rejects.toThrow(/interlock tripped/);
    // The robot app's page shows it: who, since when, why.
    expect(app.status().interlock).toMatchObject({ state: 'tripped', source: 'operator (test-operator)', reason: expect.stringMatching(/operator pressed E-STOP/) });

    // The app itself restarted (a new supervisor, the same settings folder): still tripped.
    await app.close();
    const again = startSupervisor();
    await again.reload('app start');
    expect((await serving('reachy-latch')).interlock_state).toBe('tripped');

    // Only a reset clears it, and a restart after the reset starts safe.
    expect(await client.invoke('reachy-latch', 'reset_interlock', { owner: 'operator', reason: 'area clear' })).toMatchObject({ interlock_state: 'safe' });
    expect(JSON.parse(readFileSync(latchFile, 'utf8')).latched).toEqual({});
    await again.reload('settings changed');
    expect((await serving('reachy-latch')).interlock_state).toBe('safe');
    expect(again.status().interlock).toEqual({ state: 'safe', reason: null, source: null, since: null });
    await again.close();
  }, 90_000);

  it('headless driver: a trip of the robot outlives the process, even under another device id', async () => {
    const spawnDriver = (id: string): ChildProcess =>
      spawn(process.execPath, ['bin/reachy-console.mjs', 'driver', '--target', `127.0.0.1:${sim.port}`, '--transport-mode', 'websocket', '--no-media', '--state-hz', '5',
        '--messaging-url', nats.url, '--allow-insecure', '--discovery-mode', 'd2d', '--device-id', id], {
        cwd: ROOT,
        env: { ...process.env, REACHY_CONSOLE_SETTINGS: settingsPath, REACHY_CONSOLE_APP_SETTINGS: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    const stop = async (p: ChildProcess): Promise<void> => {
      if (p.exitCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    };
    const first = spawnDriver('reachy-cli-a');
    try {
      expect((await serving('reachy-cli-a')).interlock_state).toBe('safe');
      operator.emit('emergency_stop', { reason: 'hand in the workspace', source: 'operator' });
      await until(async () => (await status('reachy-cli-a')).interlock_state === 'tripped', 5000, 'trip');
    } finally {
      await stop(first);
    }
    // Restarted under another device id for the same robot: it inherits the trip.
    const second = spawnDriver('reachy-cli-b');
    let err = '';
    second.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const st = await serving('reachy-cli-b');
      expect(st.interlock_state).toBe('tripped');
      expect(st.interlock_reason).toMatch(/hand in the workspace/);
      expect(err).toMatch(/starting with the interlock still tripped/);
      await client.invoke('reachy-cli-b', 'reset_interlock', { owner: 'operator', reason: 'area clear' });
      expect(JSON.parse(readFileSync(latchFile, 'utf8')).latched).toEqual({});
    } finally {
      await stop(second);
    }
  }, 90_000);
});
