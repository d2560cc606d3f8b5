/**
 * The DeviceRuntime's edges, on both backends: notifications are executed (not answered), batches and non-object
 * bodies get -32600, every echo of caller input in an error is clipped, every reply stays under the 900,000-byte
 * cap, and a request near the broker's max_payload gets an error reply, never silence.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createLocalMesh,
  defineFunction,
  DeviceRuntime,
  meshConfigFromEnv,
  MeshError,
  openMesh,
  type MeshConnection,
} from '../../../src/main/mesh';
import { addLogSink, setStderrLogging, type LogRecord } from '../../../src/main/log';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';

setStderrLogging(false);
const dec = new TextDecoder();
const CMD = 'device-connect.default.edge-1.cmd';
const CAP = 900_000;
const MB = 1_000_000;

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Backend = 'local' | 'nats';
type Reply = { jsonrpc: string; id: unknown; result?: unknown; error?: { code: number; message: string } };

interface Fixture {
  raw: MeshConnection;
  calls: Array<{ fn: string; params: unknown }>;
  /** Request/reply; returns the parsed reply and its size in bytes. */
  ask(body: string, timeoutMs?: number): Promise<{ reply: Reply; bytes: number }>;
}

async function setup(backend: Backend): Promise<Fixture> {
  const local = createLocalMesh();
  const open = async (): Promise<MeshConnection> => {
    const c =
      backend === 'local'
        ? local.connect()
        : await openMesh(meshConfigFromEnv({ NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' }));
    cleanups.push(() => c.close());
    return c;
  };
  const calls: Fixture['calls'] = [];
  const record = (fn: string) => (params: unknown) => {
    calls.push({ fn, params });
    return { ok: true };
  };
  const rt = new DeviceRuntime({
    connection: await open(),
    deviceId: 'edge-1',
    deviceType: 'test',
    description: '',
    functions: [
      defineFunction({
        name: 'move',
        description: '',
        params: z.object({
          pitch: z.number().default(0),
          mode: z.enum(['fast', 'slow']).default('slow'),
          owner: z.string().regex(/^[a-z]{1,8}$/, { error: (iss) => `owner=${JSON.stringify(iss.input)} must be 1-8 letters` }).default('a'),
        }),
        handler: record('move'),
      }),
      defineFunction({ name: 'stop', description: '', params: z.object({}).catchall(z.unknown()), handler: record('stop') }),
      defineFunction({
        name: 'blob',
        description: '',
        params: z.object({ bytes: z.number().int().min(0).max(4_000_000) }),
        handler: ({ bytes }) => ({ blob: 'x'.repeat(bytes) }),
      }),
      defineFunction({
        name: 'fail',
        description: '',
        params: z.object({ text: z.string() }),
        handler: ({ text }) => {
          throw new Error(`cannot do ${text}`);
        },
      }),
      {
        name: 'js',
        description: '',
        parameters: { type: 'object', properties: { n: { type: 'integer' } }, required: [] },
        handler: record('js'),
      },
    ],
  });
  cleanups.push(() => rt.stop());
  await rt.start();
  const raw = await open();
  return {
    raw,
    calls,
    async ask(body, timeoutMs = 3_000) {
      const data = await raw.request(CMD, body, timeoutMs);
      return { reply: JSON.parse(dec.decode(data)) as Reply, bytes: data.byteLength };
    },
  };
}

const req = (id: unknown, method: unknown, params?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, ...(params === undefined ? {} : { params }) });

describe.each<Backend>(['local', 'nats'])('DeviceRuntime edges (%s)', (backend) => {
  it('executes a call without id, and one published without a reply subject, without answering either', async () => {
    const f = await setup(backend);
    // No id, with a reply subject: executed; the caller gets no answer (JSON-RPC notification).
    const noAnswer = await f.ask(req(undefined, 'stop', { reason: 'a' }), 300).catch((e: unknown) => e);
    expect(noAnswer).toBeInstanceOf(MeshError);
    expect((noAnswer as MeshError).code).toBe('timeout');
    // With an id but published (no reply subject): executed.
    f.raw.publish(CMD, req('x1', 'stop', { reason: 'b' }));
    // Neither: executed.
    f.raw.publish(CMD, req(undefined, 'move', { pitch: 3 }));
    await f.raw.flush();
    await expect.poll(() => f.calls.length).toBe(3);
    expect(f.calls).toEqual([
      { fn: 'stop', params: { reason: 'a' } },
      { fn: 'stop', params: { reason: 'b' } },
      { fn: 'move', params: { pitch: 3, mode: 'slow', owner: 'a' } },
    ]);
    // id null is a request (discouraged, but answered with id null).
    expect((await f.ask(req(null, 'move', {}))).reply).toEqual({ jsonrpc: '2.0', id: null, result: { ok: true } });
  });

  it('a command that is neither executed nor answered leaves a warning (rate-limited)', async () => {
    const f = await setup(backend);
    const warnings: LogRecord[] = [];
    const off = addLogSink((r) => {
      if (r.level === 'warn') warnings.push(r);
    });
    try {
      f.raw.publish(CMD, req(undefined, 'blink', {}));
      f.raw.publish(CMD, `[${req(undefined, 'stop', {})}]`);
      f.raw.publish(CMD, req(undefined, 'stop', [1]));
      f.raw.publish(CMD, '{"method":');
      await f.raw.flush();
      await expect.poll(() => warnings.length).toBe(4);
      expect(warnings.map((w) => w.message)).toEqual([
        'Unknown method: blink (not executed, no reply subject or id to answer)',
        'Invalid Request: batches are not supported (got an array of 1); send each call as one JSON-RPC object on device-connect.default.edge-1.cmd (not executed, no reply subject or id to answer)',
        'stop: Invalid params: params must be a JSON object, got array (not executed, no reply subject or id to answer)',
        expect.stringMatching(/^malformed command on device-connect\.default\.edge-1\.cmd \(10 bytes\): .+ \(not executed, no reply subject or id to answer\)$/),
      ]);
      for (let i = 0; i < 30; i++) f.raw.publish(CMD, 'junk');
      await f.raw.flush();
      await expect.poll(() => warnings.length).toBe(10);
      expect(f.calls).toEqual([]);
    } finally {
      off();
    }
  });

  it('batches and non-object bodies get -32600 (id null) and nothing in them runs', async () => {
    const f = await setup(backend);
    for (const [body, what] of [
      ['[]', /batches are not supported \(got an array of 0\)/],
      [`[${req(1, 'stop', {})},${req(2, 'move', {})}]`, /batches are not supported \(got an array of 2\)/],
      ['42', /got number/],
      ['null', /got null/],
      ['"stop"', /got string/],
      ['true', /got boolean/],
    ] as const) {
      const { reply } = await f.ask(body);
      expect(reply).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
      expect(reply.error!.message).toMatch(what);
    }
    // Invalid ids and methods are refused too, even without an id.
    expect((await f.ask('{"jsonrpc":"2.0","id":{"a":1},"method":"stop"}')).reply).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await f.ask('{"jsonrpc":"2.0","method":7}')).reply).toMatchObject({ id: null, error: { code: -32600, message: 'Invalid Request: method must be a string' } });
    const longId = await f.ask(req('i'.repeat(MB), 'stop', {}));
    expect(longId.reply).toMatchObject({ id: null, error: { code: -32600, message: 'Invalid Request: id of 1000000 characters is longer than 256' } });
    expect(longId.bytes).toBeLessThan(500);
    expect(f.calls).toEqual([]);
  });

  it('caps every echo of caller input: method, typed value, enum value, unknown key, custom message, handler error', async () => {
    const f = await setup(backend);
    const huge = 'q'.repeat(MB);
    const cases: Array<[string, number, RegExp]> = [
      [req('m', huge, {}), -32601, /^Unknown method: q{200}…\(1000000 bytes\)$/],
      [req('t', 'move', { pitch: huge }), -32000, /pitch must be of type number, got 'q{200}…\(1000000 bytes\)'$/],
      [req('e', 'move', { mode: huge }), -32000, /mode='q{200}…\(1000000 bytes\)' must be one of: 'fast', 'slow'$/],
      [req('k', 'move', { [huge]: 1 }), -32000, /unexpected argument 'q{200}…\(1000000 bytes\)'$/],
      [req('o', 'move', { owner: huge }), -32000, /^Error invoking move: invalid params: owner: owner="q+…\(\d+ bytes\)$/],
      [req('j', 'js', { [huge]: 1 }), -32000, /unexpected argument 'q{200}…\(1000000 bytes\)'$/],
      [req('j2', 'js', { n: huge }), -32000, /n must be of type integer, got 'q{200}…\(1000000 bytes\)'$/],
      // A handler's own message is cut at 4,000 characters (the marker gives the whole message's size).
      [req('h', 'fail', { text: huge }), -32000, /^Error invoking fail: cannot do q{3969}…\(1000031 bytes\)$/],
      // 80,000 unknown keys: ten are listed.
      [req('many', 'move', Object.fromEntries(Array.from({ length: 80_000 }, (_, i) => [`k${i}`, 1]))), -32000, /unexpected argument 'k9'; and 79990 more$/],
    ];
    for (const [body, code, message] of cases) {
      const { reply, bytes } = await f.ask(body);
      expect(reply.error?.code, body.slice(0, 40)).toBe(code);
      expect(bytes).toBeLessThan(5_000);
      expect(reply.error!.message).toMatch(message);
    }
    expect(f.calls).toEqual([]);
  });

  it('a result over the cap becomes a clear -32000 error; results under it pass', async () => {
    const f = await setup(backend);
    const ok = await f.ask(req('s', 'blob', { bytes: CAP - 100 }));
    expect(ok.bytes).toBeLessThanOrEqual(CAP);
    expect((ok.reply.result as { blob: string }).blob).toHaveLength(CAP - 100);
    const over = await f.ask(req('b', 'blob', { bytes: CAP }));
    expect(over.reply).toEqual({
      jsonrpc: '2.0',
      id: 'b',
      error: { code: -32000, message: 'Error invoking blob: result of 900047 bytes exceeds the reply cap of 900000 bytes' },
    });
  });

  it('a request near the max_payload gets an error reply, not silence', async () => {
    const f = await setup(backend);
    const max = f.raw.maxPayload();
    expect(max).toBe(1_048_576);
    const envelope = req('near', 'move', { pitch: '' });
    const body = envelope.replace('"pitch":""', `"pitch":"${'z'.repeat(max - envelope.length)}"`);
    expect(Buffer.byteLength(body)).toBe(max);
    const { reply, bytes } = await f.ask(body, 5_000);
    expect(reply).toMatchObject({ id: 'near', error: { code: -32000 } });
    expect(reply.error!.message).toMatch(/^Error invoking move: invalid params: pitch must be of type number, got 'z{200}…\(\d+ bytes\)'$/);
    expect(bytes).toBeLessThan(1_000);
    // Same with the whole payload in the method name (the echo used to make the reply larger than max_payload).
    const named = req('near2', 'm'.repeat(max - req('near2', '', {}).length), {});
    expect(Buffer.byteLength(named)).toBe(max);
    expect((await f.ask(named, 5_000)).reply).toMatchObject({ id: 'near2', error: { code: -32601 } });
    // Unparseable at max_payload: -32700 with a short message.
    const junk = await f.ask('{' + 'x'.repeat(max - 1), 5_000);
    expect(junk.reply).toMatchObject({ id: null, error: { code: -32700 } });
    expect(junk.bytes).toBeLessThan(5_000);
  });
});
