/**
 * Property: thousands of random parameter sets for every motion (and ownership) function. Every reply is a valid
 * JSON-RPC 2.0 response to its request, the driver keeps serving, and no target outside the limits reaches the
 * simulator. Fast on the in-process mesh; a smaller run over a real nats-server.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { subjects, type MeshConnection } from '../../../src/main/mesh';
import { mat4ToPose, rad2deg } from '../../../src/shared/kinematics';
import type { Simulator } from '../../../src/main/sim';
import { startStack, type Stack } from './stack';

const num = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) },
  { weight: 3, arbitrary: fc.double({ min: -400, max: 400, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(-160, -80, -65, -45, -30, 0, 30, 30.000001, 45, 50, 50.5, 80, 160, 1e308, -1e308, 0.5) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant(null), fc.boolean(), fc.constant([1]), fc.constant({ a: 1 })) },
);
const dur = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 0.3, noNaN: true }) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(-1, 31, 1e9), fc.string()) },
);
const owner = fc.oneof(
  { weight: 6, arbitrary: fc.constant('agent') },
  { weight: 2, arbitrary: fc.constantFrom('operator', 'panorama') },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('', 'bad owner!', 'x'.repeat(80)), fc.integer()) },
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
const extra = fc.option(fc.record({ bogus: fc.integer() }), { nil: undefined, freq: 8 });

const call = fc.oneof(
  { weight: 30, arbitrary: fc.record({ fn: fc.constant('look_at_world'), params: fc.record({ pitch: opt(num), roll: opt(num), yaw: opt(num), x_mm: opt(num), y_mm: opt(num), z_mm: opt(num), duration_s: opt(dur), frame: opt(fc.constantFrom('world', 'body', 'moon', 3)), owner: opt(owner) }, { requiredKeys: [] }), extra }) },
  { weight: 15, arbitrary: fc.record({ fn: fc.constant('set_body_yaw'), params: fc.record({ yaw_deg: num, duration_s: opt(dur), head: opt(fc.constantFrom('follow', 'hold', 'nope')), owner: opt(owner) }, { requiredKeys: [] }), extra }) },
  { weight: 15, arbitrary: fc.record({ fn: fc.constant('antenna_pose'), params: fc.record({ left: opt(num), right: opt(num), duration_s: opt(dur), owner: opt(owner) }, { requiredKeys: [] }), extra }) },
  { weight: 5, arbitrary: fc.record({ fn: fc.constantFrom('stop_motion', 'release_lease'), params: fc.record({ owner: opt(owner) }, { requiredKeys: [] }), extra }) },
  { weight: 5, arbitrary: fc.record({ fn: fc.constant('acquire_lease'), params: fc.record({ owner: opt(owner), ttl_s: opt(fc.oneof(fc.double({ min: 0.05, max: 0.5, noNaN: true }), num)), preempt: opt(fc.oneof(fc.boolean(), fc.string())) }, { requiredKeys: [] }), extra }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('wake_up', 'goto_sleep'), params: fc.record({ owner: opt(owner), wait: opt(fc.oneof(fc.constant(false), fc.string())) }, { requiredKeys: [] }), extra }) },
);

function checkTargets(sim: Simulator): number {
  let n = 0;
  for (const e of sim.targetLog()) {
    if (e.kind !== 'set_target' && e.kind !== 'goto') continue;
    n++;
    if (e.head) {
      const p = mat4ToPose(e.head);
      expect(Math.abs(rad2deg(p.pitch))).toBeLessThanOrEqual(30 + 1e-6);
      expect(Math.abs(rad2deg(p.roll))).toBeLessThanOrEqual(30 + 1e-6);
      for (const v of [p.x, p.y, p.z]) expect(Math.abs(v * 1000)).toBeLessThanOrEqual(50 + 1e-6);
    }
    if (e.bodyYaw != null) expect(Math.abs(rad2deg(e.bodyYaw))).toBeLessThanOrEqual(160 + 1e-6);
    if (e.antennas) for (const a of e.antennas) expect(Math.abs(rad2deg(a))).toBeLessThanOrEqual(80 + 1e-6);
    if (e.durationS !== undefined) expect(e.durationS).toBeLessThanOrEqual(30);
  }
  sim.clearTargetLog();
  return n;
}

let nextId = 1;
async function rawInvoke(conn: MeshConnection, deviceId: string, fn: string, params: Record<string, unknown>) {
  const id = `p-${nextId++}`;
  const reply = await conn.request(subjects.cmd('default', deviceId), JSON.stringify({ jsonrpc: '2.0', id, method: fn, params }), 20_000);
  const r = JSON.parse(new TextDecoder().decode(reply)) as Record<string, unknown>;
  expect(r.jsonrpc).toBe('2.0');
  expect(r.id).toBe(id);
  expect('result' in r !== 'error' in r).toBe(true);
  if ('error' in r) {
    const e = r.error as { code: unknown; message: unknown };
    expect(e.code).toBe(-32000);
    expect(typeof e.message).toBe('string');
    expect((e.message as string).length).toBeGreaterThan(0);
  } else {
    expect(r.result).toBeTypeOf('object');
  }
  return r;
}

async function runProperty(s: Stack, deviceId: string, numRuns: number): Promise<{ calls: number; accepted: number; arrived: number }> {
  const conn = await s.newConnection();
  let calls = 0;
  let accepted = 0;
  let arrived = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(call, { minLength: 10, maxLength: 40 }), async (batch) => {
      const replies = await Promise.all(
        batch.map((c) => rawInvoke(conn, deviceId, c.fn, JSON.parse(JSON.stringify({ ...c.params, ...c.extra })) as Record<string, unknown>)),
      );
      calls += replies.length;
      accepted += replies.filter((r) => 'result' in r).length;
      arrived += checkTargets(s.sim);
    }),
    { numRuns, seed: 4242, endOnFailure: true },
  );
  // Still serving, and still able to move once the random owners are out of the way.
  await rawInvoke(conn, deviceId, 'stop_motion', {});
  await rawInvoke(conn, deviceId, 'acquire_lease', { owner: 'check', ttl_s: 1, preempt: true });
  const ok = await rawInvoke(conn, deviceId, 'look_at_world', { pitch: 3, owner: 'check' });
  expect(ok.result, JSON.stringify(ok.error)).toMatchObject({ target: { kind: 'look_at_world' } });
  const st = await rawInvoke(conn, deviceId, 'get_status', {});
  expect((st.result as { driver_state: { interlock_state: string } }).driver_state.interlock_state).toBe('safe');
  return { calls, accepted, arrived };
}

describe('motion functions under random input (in-process mesh)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ deviceId: 'reachy-prop-local' });
  });
  afterAll(() => s?.close());

  it('every reply is valid JSON-RPC, the driver keeps serving, nothing out of limits reaches the robot', async () => {
    const r = await runProperty(s, 'reachy-prop-local', 120);
    expect(r.calls).toBeGreaterThan(2000);
    // The accepted path was exercised (targets did reach the robot), not only refusals.
    expect(r.accepted).toBeGreaterThan(50);
    expect(r.arrived).toBeGreaterThan(20);
    console.info(`property (local): ${r.calls} calls, ${r.accepted} accepted, ${r.arrived} targets reached the sim`);
  }, 120_000);
});

describe('motion functions under random input (NATS)', () => {
  let nats: NatsServerHandle;
  let s: Stack;
  beforeAll(async () => {
    nats = await startNatsServer();
    s = await startStack({ natsUrl: nats.url, deviceId: 'reachy-prop-nats' });
  });
  afterAll(async () => {
    await s?.close();
    await nats?.stop();
  });

  it('same property over a real broker', async () => {
    const r = await runProperty(s, 'reachy-prop-nats', 15);
    expect(r.calls).toBeGreaterThan(150);
  }, 120_000);
});
