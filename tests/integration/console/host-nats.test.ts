/**
 * ConsoleHost over a real nats-server with the bundled simulator and driver: the insecure-mode refusal, the driver
 * listed and invoked through the ConsoleApi, E-STOP tripping the interlock, and reset; a fleet arriving at once
 * reaches the UIs as a few coalesced devices_changed pushes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleHost, type ConsoleSession } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import { setStderrLogging } from '../../../src/main/log';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import type { ConsolePush, ReplyFrame } from '../../../src/shared/console-api';
import { DEVICES_CHANGED_MIN_MS } from '../../../src/main/console/host';
import { meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import { simDeviceDoc } from '../scale/sim-fleet';

let nats: NatsServerHandle;
let host: ConsoleHost;
let session: ConsoleSession;
const pushes: ConsolePush[] = [];
let seq = 1;
const call = (method: string, params: unknown = {}): Promise<ReplyFrame> => session.handle({ id: seq++, method, params });
const result = async <T>(method: string, params: unknown = {}): Promise<T> => {
  const r = await call(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result as T;
};

beforeAll(async () => {
  setStderrLogging(false);
  nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), 'console-nats-'));
  host = new ConsoleHost({ backends: realBackends(), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
  await host.init(false);
  session = host.openSession((p) => pushes.push(p));
}, 30_000);

afterAll(async () => {
  session?.close();
  await host?.close();
  await nats?.stop();
});

describe('ConsoleHost on a NATS mesh', () => {
  it('refuses a NATS connection without credentials unless insecure mode is asked for, and says so', async () => {
    const r = await call('connectMesh', { kind: 'nats', urls: [nats.url] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/credential|insecure/i);
    expect((await result<{ mesh: { status: string } }>('getSnapshot')).mesh.status).toBe('error');
  });

  it('runs the simulator and driver on the broker; the console lists, invokes and E-STOPs the robot', async () => {
    await result('connectMesh', { kind: 'nats', urls: [nats.url], allowInsecure: true });
    await result('startSimulator', { mode: 'mockup' });
    const snap = await result<{ driver: { running: boolean; deviceId: string } }>('startDriver', { target: 'sim', deviceId: 'reachy-nats-1', media: false });
    expect(snap.driver).toMatchObject({ running: true, deviceId: 'reachy-nats-1' });

    let ids: string[] = [];
    for (let i = 0; i < 50 && !ids.includes('reachy-nats-1'); i++) {
      ids = (await result<Array<{ device_id: string }>>('listDevices')).map((d) => d.device_id);
      if (!ids.includes('reachy-nats-1')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toContain('reachy-nats-1');
    expect(ids).toContain(host.consoleDeviceId);

    const status = await result<{ result: { driver_state: { interlock_state: string } } }>('invoke', { deviceId: 'reachy-nats-1', fn: 'get_status' });
    expect(status.result.driver_state.interlock_state).toBe('safe');

    const estop = await result<{ stopped: string[]; event: boolean }>('estop', { reason: 'integration test' });
    expect(estop).toEqual({ stopped: ['reachy-nats-1'], event: true });
    type Mirror = { interlock_state: string; interlock_source: string | null; interlock_from_device: string | null };
    let mirror: Mirror | undefined;
    for (let i = 0; i < 50 && mirror?.interlock_state !== 'tripped'; i++) {
      const s = await result<{ result: { driver_state: Mirror } }>('invoke', { deviceId: 'reachy-nats-1', fn: 'get_status' });
      mirror = s.result.driver_state;
      if (mirror.interlock_state !== 'tripped') await new Promise((r) => setTimeout(r, 100));
    }
    // The driver reports it as the operator's E-STOP, sent by the console's own mesh device.
    expect(mirror).toMatchObject({ interlock_state: 'tripped', interlock_source: 'operator', interlock_from_device: host.consoleDeviceId });
    // A refusal is an error reply like every ConsoleApi failure: a code and the device's reason.
    const refused = await call('invoke', { deviceId: 'reachy-nats-1', fn: 'look_at_world', params: { pitch: 5, owner: 'operator' } });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatchObject({ code: 'device_error', message: expect.stringMatching(/interlock/i) });

    expect((await call('resetInterlock', { deviceId: 'reachy-nats-1' })).ok).toBe(true);
    const moved = await call('invoke', { deviceId: 'reachy-nats-1', fn: 'look_at_world', params: { pitch: 5, owner: 'operator' } });
    expect(moved.ok).toBe(true);
  }, 30_000);

  it('announces a fleet arriving at once as a few coalesced devices_changed pushes, not one per device', async () => {
    await result('connectMesh', { kind: 'nats', urls: [nats.url], allowInsecure: true, tenant: 'default', discoveryMode: 'd2d' });
    const fleet = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
    try {
      const N = 300;
      pushes.length = 0;
      const t0 = Date.now();
      for (let i = 0; i < N; i++) {
        const doc = simDeviceDoc(10_000 + i);
        fleet.publish(`device-connect.default.${doc.device_id}.presence`, JSON.stringify({ ...doc, ts: Date.now() / 1000, d2d: true }));
      }
      const listed = async (): Promise<number> => (await result<Array<{ device_id: string }>>('listDevices')).filter((d) => d.device_id.startsWith('sim-1')).length;
      await expect.poll(listed, { timeout: 20_000 }).toBe(N);
      const changed = (): number => pushes.filter((p) => p.type === 'devices_changed').length;
      // The trailing push comes at most DEVICES_CHANGED_MIN_MS after the last arrival.
      await new Promise((r) => setTimeout(r, DEVICES_CHANGED_MIN_MS * 2));
      const n = changed();
      expect(n).toBeGreaterThanOrEqual(1);
      // One a DEVICES_CHANGED_MIN_MS at most, not one per arrival.
      expect(n).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / DEVICES_CHANGED_MIN_MS) + 1);
      expect(n).toBeLessThan(N / 10);
    } finally {
      await fleet.close();
    }
  });
});
