/**
 * ConsoleHost lifecycle with the real bundled simulator and driver on the in-process mesh: an interlock trip stays
 * latched across driver restarts, mesh switches and a console restart until someone resets it; the driver follows
 * the bundled simulator when it is stopped and started again; a failed mesh switch leaves the working mesh and
 * driver alone.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConsoleHost, type ConsoleSession } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import { setStderrLogging } from '../../../src/main/log';
import { freePort } from '../../helpers/nats-server';
import type { ConsoleSnapshot, InvokeResult, LogLine, ReplyFrame } from '../../../src/shared/console-api';

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

interface Console {
  host: ConsoleHost;
  session: ConsoleSession;
  call(method: string, params?: unknown): Promise<ReplyFrame>;
  result<T>(method: string, params?: unknown): Promise<T>;
  status(deviceId: string): Promise<DriverState>;
}
interface DriverState {
  interlock_state: string;
  interlock_reason: string | null;
  interlock_source: string | null;
  daemon_link: { status: string };
}

const open: ConsoleHost[] = [];
function makeConsole(dir: string): Console {
  // No camera/microphone: these tests are about lifecycle, and media makes every simulator start slower.
  if (!existsSync(join(dir, 's.json'))) writeFileSync(join(dir, 's.json'), JSON.stringify({ no_media: true, sim_mode: 'mockup' }));
  const host = new ConsoleHost({ backends: realBackends(), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
  open.push(host);
  const session = host.openSession(() => undefined);
  let seq = 1;
  const call = (method: string, params: unknown = {}): Promise<ReplyFrame> => session.handle({ id: seq++, method, params });
  const result = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const r = await call(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  };
  const status = async (deviceId: string): Promise<DriverState> => {
    const out = await result<InvokeResult>('invoke', { deviceId, fn: 'get_status' });
    return (out.result as { driver_state: DriverState }).driver_state;
  };
  return { host, session, call, result, status };
}

async function closeAll(): Promise<void> {
  for (const h of open.splice(0)) await h.close();
}

afterEach(closeAll);
afterAll(closeAll);

/** The reply frame: a refusal is an error reply (code and message), like every ConsoleApi failure. */
const look = (c: Console, id: string): Promise<ReplyFrame> =>
  c.call('invoke', { deviceId: id, fn: 'look_at_world', params: { pitch: 5, owner: 'operator' } });

describe('ConsoleHost: the interlock latch', () => {
  it('keeps an E-STOP latched across driver restarts, mesh switches and a console restart until a reset, which names who reset it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-latch-'));
    const id = 'reachy-latch-1';
    let c = makeConsole(dir);
    await c.result('connectMesh', { kind: 'local' });
    await c.result('startSimulator', { mode: 'mockup' });
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });
    expect((await c.status(id)).interlock_state).toBe('safe');

    await c.result('estop', { reason: 'hand in the workspace' });
    await until(async () => (await c.status(id)).interlock_state === 'tripped', 5000, 'E-STOP trips the driver');

    // "Restart driver" (the Settings panel's button is startDriver while one runs).
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });
    let st = await c.status(id);
    expect(st.interlock_state).toBe('tripped');
    expect(st.interlock_reason).toMatch(/hand in the workspace/);
    expect(st.interlock_source).toBe('operator');
    const refused = await look(c, id);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatchObject({ code: 'device_error', message: expect.stringMatching(/interlock/) });
    expect(!refused.ok && refused.error.elapsedMs).toBeGreaterThan(0);

    // The same robot under another device id is still the tripped robot.
    await c.result('startDriver', { target: 'sim', deviceId: `${id}-renamed`, media: false });
    expect((await c.status(`${id}-renamed`)).interlock_state).toBe('tripped');

    // Stop + start driver, then a mesh switch (the driver follows the console onto the new mesh).
    await c.result('stopDriver');
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });
    expect((await c.status(id)).interlock_state).toBe('tripped');
    await c.result('connectMesh', { kind: 'local' });
    st = await until(async () => c.status(id).catch(() => null), 5000, 'driver back on the new mesh');
    expect(st.interlock_state).toBe('tripped');
    expect(st.interlock_reason).toMatch(/hand in the workspace/);

    // The console itself restarts (same data directory): the robot comes back tripped.
    await closeAll();
    c = makeConsole(dir);
    await c.result('connectMesh', { kind: 'local' });
    await c.result('startSimulator', { mode: 'mockup' });
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });
    st = await c.status(id);
    expect(st.interlock_state).toBe('tripped');
    expect(st.interlock_reason).toMatch(/hand in the workspace/);
    expect((await look(c, id)).ok).toBe(false);

    // Only a reset clears it; the reset is logged with who did it and why.
    const reset = await c.call('resetInterlock', { deviceId: id, reason: 'workspace clear' });
    expect(reset.ok).toBe(true);
    const logs = await c.result<LogLine[]>('readLogs', { limit: 2000 });
    expect(logs.map((l) => l.message).join('\n')).toMatch(/interlock reset by 'operator': workspace clear/);
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });
    expect((await c.status(id)).interlock_state).toBe('safe');
    expect((await look(c, id)).ok).toBe(true);
  }, 60_000);
});

describe('ConsoleHost: the bundled simulator and its driver', () => {
  it('the driver follows the simulator through Stop simulator / Start simulator', async () => {
    const c = makeConsole(mkdtempSync(join(tmpdir(), 'console-follow-')));
    const id = 'reachy-follow-1';
    await c.result('connectMesh', { kind: 'local' });
    const first = await c.result<ConsoleSnapshot>('startSimulator', { mode: 'mockup' });
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });

    await c.result('stopSimulator');
    const again = await c.result<ConsoleSnapshot>('startSimulator', { mode: 'mockup' });
    expect(again.sim.url).not.toBe(first.sim.url);
    const snap = await until(async () => {
      const s = await c.result<ConsoleSnapshot>('getSnapshot');
      return s.driver.running && s.driver.link === 'connected' ? s : null;
    }, 10_000, 'driver connected to the new simulator');
    expect(snap.driver).toMatchObject({ running: true, deviceId: id, target: 'sim', link: 'connected' });
    const st = await c.status(id);
    expect(st.daemon_link.status).toBe('connected');
    // Stopping its own simulator is an orderly shutdown of both, not a link loss: the robot moves again at once.
    expect(st.interlock_state).toBe('safe');
    expect((await look(c, id)).ok).toBe(true);
  }, 60_000);
});

describe('ConsoleHost: switching meshes', () => {
  it('a failed connectMesh (bad credentials file, unreachable broker) keeps the working mesh and the driver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-switch-'));
    const c = makeConsole(dir);
    const id = 'reachy-switch-1';
    await c.result('connectMesh', { kind: 'local' });
    await c.result('startSimulator', { mode: 'mockup' });
    await c.result('startDriver', { target: 'sim', deviceId: id, media: false });

    const badCreds = join(dir, 'broken.creds.json');
    writeFileSync(badCreds, '{ this is not a credentials file');
    const port = await freePort();
    for (const bad of [
      { kind: 'nats', urls: [`nats://127.0.0.1:${port}`], credentialsFile: badCreds },
      { kind: 'nats', urls: [`nats://127.0.0.1:${port}`], allowInsecure: true },
    ]) {
      const r = await c.call('connectMesh', bad);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.message).toMatch(bad.credentialsFile ? /credentials/ : /127\.0\.0\.1/);
      const snap = await c.result<ConsoleSnapshot>('getSnapshot');
      expect(snap.mesh).toMatchObject({ kind: 'local', status: 'connected' });
      expect(snap.driver).toMatchObject({ running: true, deviceId: id, link: 'connected' });
      expect((await c.status(id)).interlock_state).toBe('safe');
      expect((await look(c, id)).ok).toBe(true);
    }
  }, 60_000);
});

describe('ConsoleHost: settings', () => {
  it('a corrupt settings file is said in the console log (file and parse error) and kept, not replaced in silence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-settings-'));
    const original = '{"messaging_backend": "nats", "messaging_urls": "nats://10.0.0.2:4222",';
    writeFileSync(join(dir, 's.json'), original);
    const c = makeConsole(dir);
    const s = await c.result<{ mesh: { kind: string } }>('loadSettings');
    expect(s.mesh.kind).toBe('local');
    const logs = await c.result<LogLine[]>('readLogs', { limit: 100 });
    const line = logs.find((l) => l.level === 'error' && l.message.includes(join(dir, 's.json')));
    expect(line?.message).toMatch(/could not be read \(.*JSON.*\); it was kept as .*s\.json\.unreadable-/);
    const kept = readdirSync(dir).find((n) => n.startsWith('s.json.unreadable-'));
    expect(kept && readFileSync(join(dir, kept), 'utf8')).toBe(original);
  });
});
