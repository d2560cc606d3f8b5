/**
 * Mixed-call fuzzer for the real driver on the real simulator: random functions from the driver's own function table
 * with valid, out-of-range, wrong-typed, oversized and malformed params; malformed envelopes; calls with and without
 * ids (notifications), with and without a reply subject; sequential and concurrent groups.
 *
 * It reports what a careful operator wants to know: how many calls, the replies by code, silent drops (a well-formed
 * request with an id that got no reply), notifications that were answered, the largest reply, and what reached the
 * robot beyond a limit: simulator frames past the 65° head–body rule or the body yaw range (read from the simulator's
 * own state at every tick) and commanded targets outside the driver's limits (from the simulator's target log).
 *
 * Used by tests/integration/fuzz/fuzz.test.ts (reduced size, in `npm test`) and tests/soak/run.ts (`npm run soak`).
 */
import { setStderrLogging } from '../../src/main/log';
import { createLocalMesh, meshConfigFromEnv, openMesh, subjects, type MeshConnection } from '../../src/main/mesh';
import { startReachyDriver, type ReachyDriverHandle } from '../../src/main/driver';
import { headBodyOffsetDeg } from '../../src/main/driver/limits';
import { startSimulator, targetForSimulator, type Simulator } from '../../src/main/sim';
import { attachSimMedia } from '../../src/main/sim/media';
import { mat4ToPose, rad2deg, yawOf } from '../../src/shared/kinematics';
import { LIMITS } from '../../src/shared/reachy';
import type { FunctionDef, JsonSchemaObject } from '../../src/shared/wire';
import { createRng } from '../../src/shared/rng';
import { errorMessage } from '../../src/shared/errors';

export const REPLY_CAP_BYTES = 900_000;
/** Frames may pass a limit by this much before they count (sampling and float noise). */
const FRAME_TOLERANCE_DEG = 0.5;

export interface FuzzOptions {
  calls: number;
  /** 'local' (in-process mesh) or a nats:// URL. */
  mesh: 'local' | string;
  seed?: number;
  /** Largest concurrent group (1 = purely sequential). */
  maxConcurrency?: number;
  /** Request timeout: a request with an id unanswered after this long is a silent drop. */
  replyTimeoutMs?: number;
  deviceId?: string;
  /** Progress lines (soak runner). */
  progress?: (line: string) => void;
}

export interface FuzzReport {
  mesh: string;
  seed: number;
  calls: number;
  /** How the calls were sent. */
  sent: Record<'request' | 'notification_published' | 'published_with_id' | 'notification_request' | 'malformed_envelope', number>;
  /** Replies to requests by JSON-RPC outcome: "result" or the error code. */
  replies_by_code: Record<string, number>;
  /** Well-formed requests with an id and a reply subject that got no reply. Must be 0. */
  silent_drops: number;
  /** Malformed envelopes sent with a reply subject that got no reply. Must be 0. */
  silent_drops_malformed: number;
  /** Notifications (no id) sent with a reply subject that were answered anyway. Must be 0. */
  answered_notifications: number;
  /** Replies that were not a valid JSON-RPC response to their request (wrong id, both/neither result and error...). */
  invalid_replies: number;
  largest_reply_bytes: number;
  frames: {
    checked: number;
    /** Frames where |head heading − body yaw| > 65° (+0.5°). Must be 0. */
    over_head_body_limit: number;
    max_head_body_deg: number;
    /** Frames where |body yaw| > 160° (+0.5°). */
    over_body_yaw_limit: number;
  };
  targets: {
    checked: number;
    /** Commanded targets (set_target/goto) outside the driver's limits. Must be 0. */
    beyond_limits: number;
    examples: string[];
  };
  /** Motion calls answered with a result (the accepted path is exercised, not only refusals). */
  motion_accepted: number;
  /** Most frequent -32000 refusal texts (first 60 characters), for reading the mix. */
  top_refusals: Array<[string, number]>;
  driver_alive_after: boolean;
  duration_s: number;
  examples: { silent_drops: string[]; invalid_replies: string[] };
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness

class Rand {
  constructor(readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  num(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Calls

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Prop = Record<string, unknown>;

// Mostly one owner, so motion is often accepted; the others exercise the lease refusals.
const OWNERS = [...Array<string>(12).fill('agent'), 'operator', 'panorama', 'fuzz-b'];
const SOUNDS = ['wake_up.wav', 'go_sleep.wav', 'missing.wav', '../../etc/passwd', '/etc/hosts', 'a'.repeat(300)];

/** Realistic values for fields whose full range would stall the run (30 s moves, 10 s listening windows). */
function validFor(r: Rand, name: string, p: Prop): Json | undefined {
  if (name === 'owner') return r.pick(OWNERS);
  if (name === 'duration_s') return r.chance(0.4) ? 0 : r.num(0, 0.6);
  if (name === 'ttl_s') return r.num(0.1, 2);
  if (name === 'duration_ms') return r.int(1, 200);
  if (name === 'max_edge') return r.int(16, 320);
  if (name === 'wait') return r.chance(0.1);
  if (name === 'sound_file') return r.pick(SOUNDS);
  if (name === 'reason') return r.pick(['fuzz', 'checked', 'x'.repeat(r.int(1, 200))]);
  if (name === 'data_b64') return Buffer.from(Array.from({ length: r.int(1, 64) }, () => r.int(0, 255))).toString('base64');
  if (name === 'preempt') return r.chance(0.2);
  if (name === 'probe_signaling') return false; // a network probe to a signalling server that is not there
  if (Array.isArray(p.enum)) return r.pick(p.enum as Json[]);
  if (p.const !== undefined) return p.const as Json;
  const lo = typeof p.minimum === 'number' ? p.minimum : -100;
  const hi = typeof p.maximum === 'number' ? p.maximum : 100;
  switch (p.type) {
    case 'number':
      return r.chance(0.25) ? r.pick([lo, hi, 0]) : r.num(lo, hi);
    case 'integer':
      return r.int(Math.ceil(lo), Math.floor(hi));
    case 'boolean':
      return r.chance(0.5);
    case 'string':
      return r.pick(['a', 'fuzz', 'x'.repeat(r.int(1, 40))]);
    default:
      return undefined;
  }
}

function invalidFor(r: Rand, p: Prop): Json {
  const lo = typeof p.minimum === 'number' ? p.minimum : undefined;
  const hi = typeof p.maximum === 'number' ? p.maximum : undefined;
  const choices: Array<() => Json> = [
    () => r.pick(['x', '', 'NaN', '1e999']),
    () => 'z'.repeat(r.int(1_000, 300_000)),
    () => null,
    () => [1, 2],
    () => ({ a: 1 }),
    () => r.chance(0.5),
    () => r.pick([1e308, -1e308, 0.1 + 0.2, -0, 2 ** 53]),
  ];
  if (hi !== undefined) choices.push(() => hi + r.pick([1e-9, 0.5, 1, 1000]));
  if (lo !== undefined) choices.push(() => lo - r.pick([1e-9, 0.5, 1, 1000]));
  return r.pick(choices)();
}

const MOTION = new Set(['look_at_world', 'set_body_yaw', 'antenna_pose', 'goto_sleep', 'wake_up']);

interface Planned {
  body: string;
  fn: string;
  /** How it is sent. */
  mode: 'request' | 'publish' | 'request_expect_silence';
  kind: keyof FuzzReport['sent'];
  id: string | number | null;
  /** A well-formed JSON-RPC request object (string method, valid id): must be answered when it has an id. */
  wellFormed: boolean;
}

let seq = 0;

/**
 * A burst of valid body and head moves from one owner, sent one at a time without waiting for the moves to end:
 * the pattern that tests the 65° head–body rule against moves still in flight.
 */
function planHeadBodyBurst(r: Rand): Planned[] {
  const lease = { owner: 'burst', ttl_s: 5, preempt: true };
  const out: Planned[] = [
    { body: JSON.stringify({ jsonrpc: '2.0', id: `b-${++seq}`, method: 'acquire_lease', params: lease }), fn: 'acquire_lease', mode: 'request', kind: 'request', id: `b-${seq}`, wellFormed: true },
  ];
  const n = r.int(2, 8);
  for (let i = 0; i < n; i++) {
    const params: Record<string, Json> =
      r.chance(0.5)
        ? { yaw_deg: r.pick([-1, 1]) * r.num(40, 160), duration_s: r.pick([0, r.num(0.2, 1.5)]), head: r.pick(['follow', 'hold']) }
        : { yaw: r.pick([-1, 1]) * r.num(20, 45), pitch: r.num(-10, 10), frame: r.pick(['world', 'body']), duration_s: r.pick([0, r.num(0.1, 1)]) };
    params.owner = 'burst';
    const fn = 'yaw_deg' in params ? 'set_body_yaw' : 'look_at_world';
    const id = `b-${++seq}`;
    out.push({ body: JSON.stringify({ jsonrpc: '2.0', id, method: fn, params }), fn, mode: 'request', kind: 'request', id, wellFormed: true });
  }
  const rid = `b-${++seq}`;
  out.push({ body: JSON.stringify({ jsonrpc: '2.0', id: rid, method: 'release_lease', params: { owner: 'burst' } }), fn: 'release_lease', mode: 'request', kind: 'request', id: rid, wellFormed: true });
  return out;
}

function planCall(r: Rand, fns: FunctionDef[]): Planned {
  // Envelope-level malformations.
  if (r.chance(0.05)) {
    const id = `m-${++seq}`;
    const body = r.pick<() => string>([
      () => '{"jsonrpc":"2.0","id":"' + id + '","method":',
      () => 'not json',
      () => '[]',
      () => `[{"jsonrpc":"2.0","id":"${id}","method":"stop_motion"}]`,
      () => '42',
      () => 'null',
      () => '"stop_motion"',
      () => JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'get_status' }),
      () => JSON.stringify({ jsonrpc: '2.0', id: 'L'.repeat(r.int(300, 200_000)), method: 'get_status' }),
      () => JSON.stringify({ jsonrpc: '2.0', id, method: 7 }),
      () => JSON.stringify({ jsonrpc: '2.0', id, method: 'q'.repeat(r.int(1, 500_000)) }),
      () => JSON.stringify({ jsonrpc: '2.0', id, method: r.pick(fns).name, params: r.pick<Json>([[1], 'x', 5, null, true]) }),
    ])();
    return { body, fn: '', mode: 'request', kind: 'malformed_envelope', id: null, wellFormed: false };
  }
  // Motion functions weigh more: the accepted motion path is what can hurt the robot.
  const fn = r.chance(0.5) ? r.pick(fns.filter((f) => MOTION.has(f.name))) : r.pick(fns);
  const schema = fn.parameters as JsonSchemaObject;
  const params: Record<string, Json> = {};
  const invalid = r.chance(0.3);
  for (const [name, raw] of Object.entries(schema.properties)) {
    const p = raw as Prop;
    const required = schema.required.includes(name);
    if (!required && r.chance(0.35)) continue;
    const v = validFor(r, name, p);
    if (v !== undefined) params[name] = v;
  }
  if (invalid) {
    const names = Object.keys(schema.properties);
    const what = r.int(0, 3);
    if (what === 0 && names.length) params[r.pick(names)] = invalidFor(r, schema.properties[r.pick(names)] as Prop);
    else if (what === 1) params[r.chance(0.8) ? r.pick(['bogus', 'pitchh', '__proto__x']) : 'K'.repeat(r.int(300, 100_000))] = 1;
    else if (what === 2 && schema.required.length) delete params[r.pick(schema.required)];
    else if (names.length) {
      const n = r.pick(names);
      params[n] = invalidFor(r, schema.properties[n] as Prop);
    }
  }
  if (r.chance(0.05)) params._dc_meta = { source_device: r.pick(['console', 'x'.repeat(500)]), trace: r.int(0, 1e6) };
  const unknownMethod = r.chance(0.02);
  const method = unknownMethod ? r.pick(['blink', 'getStatus', 'stop_motion ', '']) : fn.name;
  const u = r.next();
  if (u < 0.1) {
    return { body: JSON.stringify({ jsonrpc: '2.0', method, params }), fn: method, mode: 'publish', kind: 'notification_published', id: null, wellFormed: true };
  }
  if (u < 0.13) {
    const id = `p-${++seq}`;
    return { body: JSON.stringify({ jsonrpc: '2.0', id, method, params }), fn: method, mode: 'publish', kind: 'published_with_id', id, wellFormed: true };
  }
  if (u < 0.14) {
    return { body: JSON.stringify({ jsonrpc: '2.0', method, params }), fn: method, mode: 'request_expect_silence', kind: 'notification_request', id: null, wellFormed: true };
  }
  const id: string | number = r.chance(0.8) ? `f-${++seq}` : ++seq;
  return { body: JSON.stringify({ jsonrpc: '2.0', id, method, params }), fn: method, mode: 'request', kind: 'request', id, wellFormed: true };
}

// ---------------------------------------------------------------------------------------------------------------
// The stack

interface FuzzStack {
  sim: Simulator;
  driver: ReachyDriverHandle;
  raw: MeshConnection;
  close(): Promise<void>;
}

async function startFuzzStack(mesh: string, deviceId: string): Promise<FuzzStack> {
  const sim = await startSimulator({ port: 0, mode: 'mockup', seed: 11 });
  await sim.ready();
  const media = await attachSimMedia(sim, { webrtc: false });
  const local = mesh === 'local' ? createLocalMesh() : null;
  const open = async (): Promise<MeshConnection> =>
    local
      ? local.connect({ requestTimeoutMs: 30_000 })
      : openMesh(meshConfigFromEnv({}, { urls: [mesh], allowInsecure: true, requestTimeoutMs: 30_000, discoveryMode: 'd2d' }));
  const driverConn = await open();
  const driver = await startReachyDriver({ connection: driverConn, target: targetForSimulator(sim), deviceId, stateHz: 20, heartbeatLogS: 0 });
  const raw = await open();
  return {
    sim,
    driver,
    raw,
    async close() {
      await driver.close().catch(() => undefined);
      await raw.close().catch(() => undefined);
      await driverConn.close().catch(() => undefined);
      await media.close().catch(() => undefined);
      await sim.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks on what reached the simulator

function targetProblems(sim: Simulator, out: FuzzReport['targets']): void {
  for (const e of sim.targetLog()) {
    if (e.kind !== 'set_target' && e.kind !== 'goto') continue;
    out.checked++;
    const problems: string[] = [];
    if (e.head) {
      const p = mat4ToPose(e.head);
      if (Math.abs(rad2deg(p.pitch)) > LIMITS.headPitchDeg.max + 1e-6) problems.push(`pitch ${rad2deg(p.pitch).toFixed(2)}`);
      if (Math.abs(rad2deg(p.roll)) > LIMITS.headRollDeg.max + 1e-6) problems.push(`roll ${rad2deg(p.roll).toFixed(2)}`);
      for (const [k, v] of [['x', p.x], ['y', p.y], ['z', p.z]] as const) {
        if (Math.abs(v * 1000) > LIMITS.headXmm.max + 1e-6) problems.push(`${k} ${(v * 1000).toFixed(1)} mm`);
      }
    }
    if (e.bodyYaw != null && Math.abs(rad2deg(e.bodyYaw)) > LIMITS.bodyYawDeg.max + 1e-6) problems.push(`body ${rad2deg(e.bodyYaw).toFixed(2)}`);
    if (e.antennas) for (const a of e.antennas) if (Math.abs(rad2deg(a)) > LIMITS.antennaDeg.max + 1e-6) problems.push(`antenna ${rad2deg(a).toFixed(2)}`);
    if (e.durationS !== undefined && e.durationS > LIMITS.durationS.max) problems.push(`duration ${e.durationS}`);
    if (problems.length) {
      out.beyond_limits++;
      if (out.examples.length < 5) out.examples.push(`${e.kind}: ${problems.join(', ')}`);
    }
  }
  sim.clearTargetLog();
}

// ---------------------------------------------------------------------------------------------------------------
// The run

const dec = new TextDecoder();
const OK_CODES = new Set([-32700, -32600, -32601, -32602, -32000]);

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  setStderrLogging(process.env.FUZZ_LOGS === '1');
  const seed = opts.seed ?? 20261203;
  const r = new Rand(createRng(seed).next);
  const deviceId = opts.deviceId ?? `reachy-fuzz-${seed % 10_000}`;
  const replyTimeoutMs = opts.replyTimeoutMs ?? 20_000;
  const maxConc = opts.maxConcurrency ?? 24;
  const started = Date.now();
  const stack = await startFuzzStack(opts.mesh, deviceId);
  const { sim, raw } = stack;
  const cmd = subjects.cmd(raw.tenant, deviceId);
  const fns = stack.driver.runtime.capabilities().functions;

  const report: FuzzReport = {
    mesh: opts.mesh === 'local' ? 'local' : 'nats',
    seed,
    calls: 0,
    sent: { request: 0, notification_published: 0, published_with_id: 0, notification_request: 0, malformed_envelope: 0 },
    replies_by_code: {},
    silent_drops: 0,
    silent_drops_malformed: 0,
    answered_notifications: 0,
    invalid_replies: 0,
    largest_reply_bytes: 0,
    frames: { checked: 0, over_head_body_limit: 0, max_head_body_deg: 0, over_body_yaw_limit: 0 },
    targets: { checked: 0, beyond_limits: 0, examples: [] },
    motion_accepted: 0,
    top_refusals: [],
    driver_alive_after: false,
    duration_s: 0,
    examples: { silent_drops: [], invalid_replies: [] },
  };

  const offTick = sim.onTick(() => {
    const st = sim.state();
    const body = rad2deg(st.bodyYaw);
    const off = Math.abs(headBodyOffsetDeg(rad2deg(yawOf(st.headPose)), body));
    report.frames.checked++;
    if (off > report.frames.max_head_body_deg) report.frames.max_head_body_deg = off;
    if (off > LIMITS.headBodyYawDiffDeg + FRAME_TOLERANCE_DEG) report.frames.over_head_body_limit++;
    if (Math.abs(body) > LIMITS.bodyYawDeg.max + FRAME_TOLERANCE_DEG) report.frames.over_body_yaw_limit++;
  });

  const refusals = new Map<string, number>();
  const count = (code: string): void => {
    report.replies_by_code[code] = (report.replies_by_code[code] ?? 0) + 1;
  };
  const invalid = (why: string): void => {
    report.invalid_replies++;
    if (report.examples.invalid_replies.length < 5) report.examples.invalid_replies.push(why.slice(0, 300));
  };

  async function send(c: Planned): Promise<void> {
    report.calls++;
    report.sent[c.kind]++;
    if (c.mode === 'publish') {
      raw.publish(cmd, c.body);
      return;
    }
    let data: Uint8Array;
    try {
      data = await raw.request(cmd, c.body, c.mode === 'request_expect_silence' ? 250 : replyTimeoutMs);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (c.mode === 'request_expect_silence' && code === 'timeout') return;
      if (code === 'timeout') {
        if (c.wellFormed) {
          report.silent_drops++;
          if (report.examples.silent_drops.length < 5) report.examples.silent_drops.push(c.body.slice(0, 200));
        } else report.silent_drops_malformed++;
        return;
      }
      invalid(`request failed: ${errorMessage(err)}`);
      return;
    }
    if (c.mode === 'request_expect_silence') {
      report.answered_notifications++;
      return;
    }
    report.largest_reply_bytes = Math.max(report.largest_reply_bytes, data.byteLength);
    let reply: Record<string, unknown>;
    try {
      reply = JSON.parse(dec.decode(data)) as Record<string, unknown>;
    } catch {
      invalid('reply is not JSON');
      return;
    }
    const hasResult = 'result' in reply;
    const hasError = 'error' in reply;
    if (reply.jsonrpc !== '2.0' || hasResult === hasError) return invalid(`not a JSON-RPC response: ${dec.decode(data).slice(0, 200)}`);
    if (c.wellFormed && reply.id !== c.id) return invalid(`id ${JSON.stringify(reply.id)} for request ${JSON.stringify(c.id)}`);
    if (hasResult) {
      if (MOTION.has(c.fn)) report.motion_accepted++;
      return count('result');
    }
    const e = reply.error as { code?: unknown; message?: unknown };
    if (typeof e?.code !== 'number' || !OK_CODES.has(e.code) || typeof e.message !== 'string' || !e.message) {
      return invalid(`bad error object: ${JSON.stringify(e).slice(0, 200)}`);
    }
    count(String(e.code));
    if (e.code === -32000) {
      const key = e.message.replace(/[\d.]+/g, '#').slice(0, 60);
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
    }
  }

  try {
    await raw.request(cmd, JSON.stringify({ jsonrpc: '2.0', id: 'wake', method: 'wake_up', params: { wait: true } }), 30_000);
    let lastProgress = Date.now();
    while (report.calls < opts.calls) {
      if (r.chance(0.08)) {
        // Sequential: each call waits for its reply, not for its move.
        for (const c of planHeadBodyBurst(r).slice(0, opts.calls - report.calls)) await send(c);
        continue;
      }
      const group = r.chance(0.3) ? 1 : r.int(2, maxConc);
      const batch = Array.from({ length: Math.min(group, opts.calls - report.calls) }, () => planCall(r, fns));
      await Promise.all(batch.map(send));
      if (r.chance(0.1)) await new Promise((res) => setTimeout(res, r.int(1, 60)));
      if (r.chance(0.02)) {
        // Now and then a clean slate, so motion is accepted again and not only refused.
        await raw.request(cmd, JSON.stringify({ jsonrpc: '2.0', id: 'reset', method: 'reset_interlock', params: { reason: 'fuzz' } }), replyTimeoutMs).catch(() => undefined);
      }
      targetProblems(sim, report.targets);
      if (opts.progress && Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        opts.progress(`${report.calls}/${opts.calls} calls, ${report.silent_drops} silent drops, max head-body ${report.frames.max_head_body_deg.toFixed(1)}°`);
      }
    }
    // Let the last accepted moves play out while frames are still checked.
    await raw.request(cmd, JSON.stringify({ jsonrpc: '2.0', id: 'end', method: 'get_status', params: {} }), replyTimeoutMs);
    await new Promise((res) => setTimeout(res, 1_000));
    targetProblems(sim, report.targets);
    const alive = JSON.parse(dec.decode(await raw.request(cmd, JSON.stringify({ jsonrpc: '2.0', id: 'alive', method: 'get_status' }), replyTimeoutMs))) as Record<string, unknown>;
    report.driver_alive_after = alive.id === 'alive' && typeof alive.result === 'object';
  } finally {
    offTick();
    report.duration_s = Math.round((Date.now() - started) / 100) / 10;
    await stack.close();
  }
  report.frames.max_head_body_deg = Math.round(report.frames.max_head_body_deg * 100) / 100;
  report.top_refusals = [...refusals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return report;
}

/** One readable block for logs and the soak runner. */
export function formatFuzzReport(rep: FuzzReport): string {
  const codes = Object.entries(rep.replies_by_code)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return [
    `fuzz (${rep.mesh}, seed ${rep.seed}): ${rep.calls} calls in ${rep.duration_s} s`,
    `  sent: ${Object.entries(rep.sent).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  replies by code: ${codes}`,
    `  silent drops (well-formed, with id): ${rep.silent_drops}; malformed unanswered: ${rep.silent_drops_malformed}; answered notifications: ${rep.answered_notifications}; invalid replies: ${rep.invalid_replies}`,
    `  largest reply: ${rep.largest_reply_bytes} bytes (cap ${REPLY_CAP_BYTES})`,
    `  frames: ${rep.frames.checked} checked, ${rep.frames.over_head_body_limit} past the ${LIMITS.headBodyYawDiffDeg}° head-body rule (max ${rep.frames.max_head_body_deg}°), ${rep.frames.over_body_yaw_limit} past the body yaw range`,
    `  commanded targets: ${rep.targets.checked} checked, ${rep.targets.beyond_limits} beyond limits${rep.targets.examples.length ? ` (${rep.targets.examples.join('; ')})` : ''}`,
    `  motion calls accepted: ${rep.motion_accepted}; top refusals: ${rep.top_refusals.map(([k, v]) => `${v}× ${k}`).join(' | ')}`,
    `  driver serving afterwards: ${rep.driver_alive_after}`,
    ...(rep.examples.silent_drops.length ? [`  silent drop examples: ${rep.examples.silent_drops.join(' | ')}`] : []),
    ...(rep.examples.invalid_replies.length ? [`  invalid reply examples: ${rep.examples.invalid_replies.join(' | ')}`] : []),
  ].join('\n');
}
