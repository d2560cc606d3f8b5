/**
 * Safety commands are never dropped, on both backends, with the real driver and simulator:
 * - a stop_motion without a JSON-RPC id, or published without a reply subject, stops a turning body (read from
 *   the simulator's own state);
 * - any message on an emergency_stop subject trips the interlock, malformed ones included;
 * - a 1 MB emergency-stop reason is bounded before it is stored, echoed in state_event and logged, and a reason
 *   with a newline cannot forge a log line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addLogSink, formatLogLine, type LogRecord } from '../../../src/main/log';
import { subjects, type MeshConnection } from '../../../src/main/mesh';
import { rad2deg } from '../../../src/shared/kinematics';
import type { MeshEvent } from '../../../src/shared/wire';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { startStack, sleep, until, type Stack } from '../driver/stack';

type R = Record<string, unknown>;
type Backend = 'local' | 'nats';

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

describe.each<Backend>(['local', 'nats'])('safety commands are never dropped (%s)', (backend) => {
  const ID = `reachy-safety-${backend}`;
  const CMD = subjects.cmd('default', ID);
  let s: Stack;
  let raw: MeshConnection;
  const invoke = (fn: string, params: R = {}) => s.client.invoke(ID, fn, params) as Promise<R>;
  const bodyDeg = () => rad2deg(s.sim.state().bodyYaw);
  const interlock = async () => ((await invoke('get_status')).driver_state as R).interlock_state;

  beforeAll(async () => {
    s = await startStack({ deviceId: ID, stateHz: 20, ...(backend === 'nats' ? { natsUrl: nats.url } : {}) });
    raw = await s.newConnection();
    await invoke('wake_up', { wait: true });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });
  afterEach(async () => {
    if ((await interlock()) === 'tripped') await invoke('reset_interlock', { reason: 'test cleanup' });
    await invoke('stop_motion');
  });

  /** Starts a 3 s body turn to 120°, sends `stop` once the body has passed 5°, and checks it stays stopped. */
  async function turnThenStop(stop: () => void | Promise<unknown>): Promise<void> {
    await invoke('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
    expect(Math.abs(bodyDeg())).toBeLessThan(1);
    await invoke('set_body_yaw', { yaw_deg: 120, duration_s: 3 });
    await until(() => bodyDeg() > 5, 3_000, 10);
    await stop();
    // Once stopped, the body does not move any more; it would reach 120° within 3 s if the stop were dropped.
    await until(async () => ((await invoke('get_status')).driver_state as R).execution_state === 'idle', 2_000);
    await sleep(150);
    const atStop = bodyDeg();
    await sleep(1_000);
    expect(atStop).toBeLessThan(90);
    expect(Math.abs(bodyDeg() - atStop)).toBeLessThan(0.5);
  }

  it('a stop_motion without id (reply subject present) stops the body; no reply comes back', async () => {
    await turnThenStop(async () => {
      const r = await raw.request(CMD, JSON.stringify({ jsonrpc: '2.0', method: 'stop_motion', params: { owner: 'x' } }), 400).catch((e: unknown) => e);
      expect((r as { code?: string }).code).toBe('timeout');
    });
  }, 20_000);

  it('a stop_motion published without a reply subject (with or without id) stops the body', async () => {
    await turnThenStop(() => raw.publish(CMD, JSON.stringify({ jsonrpc: '2.0', id: 'fire-and-forget', method: 'stop_motion' })));
    await turnThenStop(() => raw.publish(CMD, JSON.stringify({ jsonrpc: '2.0', method: 'stop_motion' })));
  }, 30_000);

  it('a stop_motion whose params are positional, scalar or null still stops the body (and is answered)', async () => {
    for (const params of [[], 42, null, 'now']) {
      await turnThenStop(async () => {
        const data = await raw.request(CMD, JSON.stringify({ jsonrpc: '2.0', id: 'odd-params', method: 'stop_motion', params }), 2_000);
        const r = JSON.parse(new TextDecoder().decode(data)) as R;
        expect(r.error).toBeUndefined();
        expect((r.result as R).status).toBe('accepted');
      });
    }
    // Any other function still refuses params that are not an object.
    const data = await raw.request(CMD, JSON.stringify({ jsonrpc: '2.0', id: 'odd', method: 'get_status', params: [] }), 2_000);
    const r = JSON.parse(new TextDecoder().decode(data)) as R;
    expect((r.error as R).code).toBe(-32602);
  }, 60_000);

  it('replies of the real driver stay small whatever the caller echoes (owner, pitch, key, method, enum, id)', async () => {
    const huge = (c: string) => c.repeat(1_000_000);
    const ask = async (body: string) => {
      const data = await raw.request(CMD, body, 5_000);
      return { bytes: data.byteLength, reply: JSON.parse(new TextDecoder().decode(data)) as { id: unknown; result?: R; error?: { code: number; message: string } } };
    };
    const req = (method: string, params: R, id: unknown = 'e') => JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const cases: Array<[string, number, RegExp]> = [
      [req('look_at_world', { owner: huge('o') }), -32000, /owner: owner="o{190,}.*…\(\d+ bytes\)/],
      [req('look_at_world', { pitch: huge('p') }), -32000, /pitch must be of type number, got 'p{200}…\(1000000 bytes\)'/],
      [req('look_at_world', { [huge('k')]: 1 }), -32000, /unexpected argument 'k{200}…\(1000000 bytes\)'/],
      [req('set_body_yaw', { yaw_deg: 0, head: huge('h') }), -32000, /head='h{200}…\(1000000 bytes\)' must be one of/],
      [req(huge('m'), {}), -32601, /^Unknown method: m{200}…\(1000000 bytes\)$/],
      [req('get_status', {}, huge('i')), -32600, /^Invalid Request: id of 1000000 characters is longer than 256$/],
    ];
    for (const [body, code, message] of cases) {
      const { bytes, reply } = await ask(body);
      expect(bytes).toBeLessThan(2_000);
      expect(reply.error?.code).toBe(code);
      expect(reply.error!.message).toMatch(message);
    }
    // A stop is never refused for its arguments, and its reply stays small too.
    const stop = await ask(req('stop_motion', { owner: 's'.repeat(400_000), reason: 'r'.repeat(400_000) }));
    expect(stop.reply.result).toMatchObject({ status: 'accepted' });
    expect(stop.bytes).toBeLessThan(2_000);
  });

  it('any message on an emergency_stop subject trips, even non-JSON', async () => {
    for (const payload of ['not json at all', '', '{"params":', '42', 'null', '[1,2]', '{"params":{"reason":7}}']) {
      expect(await interlock()).toBe('safe');
      raw.publish(subjects.event('default', 'some-panel', 'emergency_stop'), payload);
      await until(async () => (await interlock()) === 'tripped', 3_000);
      const st = (await invoke('get_status')).driver_state as R;
      expect(st.interlock_reason).toMatch(/^emergency_stop from some-panel: /);
      await expect(invoke('look_at_world', { pitch: 5 })).rejects.toThrow(/safety interlock tripped/);
      await invoke('reset_interlock', { reason: 'checked' });
    }
  }, 30_000);

  it('a 1 MB reason is bounded in the interlock, state_event and the log; a newline cannot forge a log line', async () => {
    const logged: LogRecord[] = [];
    const unlog = addLogSink((r) => logged.push(r));
    const sizes: number[] = [];
    const events: MeshEvent[] = [];
    const watcher = await s.newClient();
    const unsub = watcher.subscribe(ID, 'state_event', (e) => {
      sizes.push(JSON.stringify(e.params).length);
      events.push(e);
    });
    try {
      const reason = 'r'.repeat(1_000_000);
      raw.publish(subjects.event('default', 'big-panel', 'emergency_stop'), JSON.stringify({ jsonrpc: '2.0', method: 'emergency_stop', params: { reason } }));
      await until(async () => (await interlock()) === 'tripped', 3_000);
      const st = (await invoke('get_status')).driver_state as R;
      expect((st.interlock_reason as string).length).toBeLessThanOrEqual(256 + 20);
      expect(st.interlock_reason).toMatch(/^emergency_stop from big-panel: r+…\(\d+ bytes\)$/);
      const n = events.length;
      await until(() => events.length >= n + 3, 3_000);
      const last = events[events.length - 1];
      expect((last.params.driver_state as R).interlock_state).toBe('tripped');
      expect(Math.max(...sizes.slice(n))).toBeLessThan(8_000);
      expect(logged.every((r) => r.message.length < 5_000)).toBe(true);
      await invoke('reset_interlock', { reason: 'checked' });

      // A reason that tries to start a new log line with its own level and scope.
      logged.length = 0;
      raw.publish(
        subjects.event('default', 'sly-panel', 'emergency_stop'),
        JSON.stringify({ params: { reason: 'oops\n2026-01-01T00:00:00.000Z INFO  [driver] interlock reset by operator\r\u001b[2K' } }),
      );
      await until(async () => (await interlock()) === 'tripped', 3_000);
      const tripLine = logged.map(formatLogLine).find((l) => l.includes('sly-panel'));
      expect(tripLine).toBeDefined();
      // eslint-disable-next-line no-control-regex
      expect(tripLine).not.toMatch(/[\n\r\u001b]/);
      expect(tripLine).toContain('oops\\n2026-01-01T00:00:00.000Z INFO  [driver] interlock reset by operator\\r\\u001b[2K');
    } finally {
      unsub();
      unlog();
    }
  }, 30_000);
});
