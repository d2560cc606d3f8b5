import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import {
  HttpTransport,
  OpenPiTransport,
  RunnerError,
  startDemoPolicyServer,
  WebSocketTransport,
  type DemoPolicyServer,
  type PolicyObservation,
  type PolicyTransport,
  type RgbFrame,
} from '../../../src/main/runner';
import { NdArray, packb, unpackb } from '../../../src/main/runner/transports/msgpack-numpy';
import { errorMessage } from '../../../src/shared/errors';

let server: DemoPolicyServer;
beforeAll(async () => {
  setStderrLogging(false);
  server = await startDemoPolicyServer();
});
afterAll(async () => {
  await server.close();
});

/** A 64x36 dark image with a bright blob on the right: the demo policy should turn right (negative yaw). */
function blobImage(): RgbFrame {
  const w = 64;
  const h = 36;
  const data = new Uint8Array(w * h * 3).fill(20);
  for (let y = 14; y < 22; y++) for (let x = 52; x < 60; x++) data.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { width: w, height: h, data };
}

const obs = (seq: number, withImage = true): PolicyObservation => ({
  seq,
  state: new Array(16).fill(0),
  images: withImage ? { front: blobImage() } : {},
  prompt: 'look at the light',
  captureTimeNs: BigInt(Date.now()) * 1_000_000n,
  requestId: `t-${seq}`,
});

const kinds: Array<[string, () => PolicyTransport]> = [
  ['websocket', () => new WebSocketTransport({ url: server.url, timeoutS: 10 })],
  ['http', () => new HttpTransport({ url: server.httpUrl, timeoutS: 10 })],
  ['openpi', () => new OpenPiTransport({ url: server.openpiUrl, timeoutS: 10 })],
];

describe.each(kinds)('%s transport against the demo server', (kind, make) => {
  it('gets an action chunk that turns the head toward the bright region', async () => {
    const t = make();
    try {
      const meta = await t.connect();
      if (kind !== 'http') expect(meta).toMatchObject({ action_dim: 9, chunk_len: 5 });
      const chunk = await t.infer(obs(7));
      expect(chunk.seq).toBe(7);
      expect(chunk.actions).toHaveLength(5);
      expect(chunk.actions[0]).toHaveLength(9);
      expect(chunk.actions[4][2]).toBeLessThan(-3); // head_yaw_deg: the blob is right of centre
    } finally {
      await t.close();
    }
  });

  it('a stalled server gives a typed transport_timeout, and the transport works again afterwards', async () => {
    const t = make();
    try {
      await t.connect();
      server.setFault({ kind: 'stall' });
      const err = await t.infer(obs(1, false), { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunnerError);
      expect((err as RunnerError).code).toBe('transport_timeout');
      server.setFault({ kind: 'none' });
      const ok = await t.infer(obs(2, false));
      expect(ok.seq).toBe(2);
    } finally {
      server.setFault({ kind: 'none' });
      await t.close();
    }
  });

  it('a policy error comes back as a typed policy_error', async () => {
    const t = make();
    try {
      await t.connect();
      server.setFault({ kind: 'error', message: 'CUDA out of memory' });
      const err = await t.infer(obs(3, false)).catch((e: unknown) => e);
      expect((err as RunnerError).code).toBe('policy_error');
      expect(errorMessage(err)).toMatch(/CUDA out of memory/);
    } finally {
      server.setFault({ kind: 'none' });
      await t.close();
    }
  });
});

describe('connection failures', () => {
  it('websocket and openpi: nobody listening is transport_connect', async () => {
    for (const t of [new WebSocketTransport({ url: 'ws://127.0.0.1:9/', connectTimeoutS: 1 }), new OpenPiTransport({ url: 'ws://127.0.0.1:9/', connectTimeoutS: 1 })]) {
      const err = await t.connect().catch((e: unknown) => e);
      expect((err as RunnerError).code).toBe('transport_connect');
      await t.close();
    }
  });
  it('http: nobody listening is transport_connect', async () => {
    const t = new HttpTransport({ url: 'http://127.0.0.1:9' });
    const err = await t.infer(obs(0, false)).catch((e: unknown) => e);
    expect((err as RunnerError).code).toBe('transport_connect');
  });
});

describe('msgpack-numpy (openpi wire format)', () => {
  it('writes ndarrays with binary keys as openpi_client does, and reads them back', () => {
    const bytes = packb({ state: NdArray.float32([1.5, -2, 3]), prompt: 'hi', n: 300, neg: -5, big: 2 ** 40 });
    // fixmap(5) then fixstr "state" then a map whose first key is bin8 "__ndarray__" (0xc4 0x0b ...).
    expect(bytes[0]).toBe(0x85);
    const i = Buffer.from(bytes).indexOf(Buffer.from([0xc4, 0x0b, ...Buffer.from('__ndarray__')]));
    expect(i).toBeGreaterThan(0);
    const back = unpackb(bytes) as { state: NdArray; prompt: string; n: number; neg: number; big: number };
    expect(back.state.dtype).toBe('<f4');
    expect(back.state.shape).toEqual([3]);
    expect(back.state.toNumbers()).toEqual([1.5, -2, 3]);
    expect(back).toMatchObject({ prompt: 'hi', n: 300, neg: -5, big: 2 ** 40 });
  });
});
