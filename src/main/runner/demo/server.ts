/**
 * The built-in demo policy server: one HTTP server on 127.0.0.1 speaking every transport the runner has —
 * `ws://host:port/` JSON (metadata frame first), `ws://host:port/openpi` openpi msgpack-numpy, `POST /act`,
 * plus `GET /healthz` and `GET /metadata`. Faults can be injected (stall, error) so tests and newcomers can see
 * the runner's safe-stop path.
 */
import { errorMessage } from '../../../shared/errors';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { createLogger, type Logger } from '../../log';
import { ACTION_LAYOUT, STATE_LAYOUT } from '../connectors/reachy-layout';
import { NdArray, packb, unpackb } from '../transports/msgpack-numpy';
import { PROTOCOL, jpegToFrame } from '../transports/wire';
import type { PolicyMetadata, RgbFrame } from '../types';
import { DemoPolicy, type DemoPolicyOptions } from './policy';

export type DemoFault = { kind: 'none' } | { kind: 'stall' } | { kind: 'error'; message?: string };

export interface DemoServerOptions extends DemoPolicyOptions {
  port?: number;
  host?: string;
  /** Artificial inference time (ms), e.g. to look like a real model. */
  inferDelayMs?: number;
  logger?: Logger;
}

export interface DemoServerStats {
  requests: number;
  byProtocol: { json: number; openpi: number; http: number };
  cues: Record<string, number>;
}

export interface DemoPolicyServer {
  readonly port: number;
  /** ws:// URL of the JSON websocket protocol. */
  readonly url: string;
  readonly openpiUrl: string;
  readonly httpUrl: string;
  readonly metadata: PolicyMetadata;
  setFault(f: DemoFault): void;
  setInferDelayMs(ms: number): void;
  stats(): DemoServerStats;
  close(): Promise<void>;
}

const jsonObservation = z.object({
  type: z.literal('observation').optional(),
  seq: z.number().int().nonnegative().default(0),
  state: z.array(z.number()).max(4096),
  images: z.record(z.string(), z.string()).default({}),
  prompt: z.string().optional(),
  request_id: z.string().optional(),
});

const MAX_BODY = 32 * 1024 * 1024;

export async function startDemoPolicyServer(opts: DemoServerOptions = {}): Promise<DemoPolicyServer> {
  const log = opts.logger ?? createLogger('policy-server');
  const host = opts.host ?? '127.0.0.1';
  let fault: DemoFault = { kind: 'none' };
  let delayMs = opts.inferDelayMs ?? 0;
  const st: DemoServerStats = { requests: 0, byProtocol: { json: 0, openpi: 0, http: 0 }, cues: {} };
  const chunkLen = opts.chunkLen ?? 5;
  const metadata: PolicyMetadata = {
    type: 'metadata',
    protocol: PROTOCOL,
    name: 'reachy-demo-look-at',
    description: 'Turns the head toward the most changed (else brightest) region of the first camera image.',
    action_dim: ACTION_LAYOUT.length,
    chunk_len: chunkLen,
    dt: 0.05,
    cameras: ['front'],
    state_layout: [...STATE_LAYOUT],
    action_layout: [...ACTION_LAYOUT],
  };
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((r) => {
          const t = setTimeout(() => (timers.delete(t), r()), ms);
          timers.add(t);
        });

  /** Runs the policy; resolves null when stalled (the caller never answers). */
  const infer = async (policy: DemoPolicy, state: number[], image: RgbFrame | undefined) => {
    st.requests++;
    const f = fault;
    if (f.kind === 'stall') return { stalled: true as const };
    const t0 = performance.now();
    await sleep(delayMs);
    if (f.kind === 'error') return { error: f.message ?? 'injected policy error' };
    const d = await policy.act(state, image);
    st.cues[d.cue] = (st.cues[d.cue] ?? 0) + 1;
    return { actions: d.actions, inferMs: performance.now() - t0 };
  };

  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/metadata') return send(200, metadata);
    if (req.method !== 'POST' || url.pathname !== '/act') return send(404, { code: 'not_found', message: `${req.method} ${url.pathname}` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(413, { code: 'too_large', message: `body over ${MAX_BODY} bytes` });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        st.byProtocol.http++;
        let obs: z.infer<typeof jsonObservation>;
        try {
          obs = jsonObservation.parse(JSON.parse(Buffer.concat(chunks).toString()));
        } catch (err) {
          return send(400, { code: 'bad_request', message: err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'body is not JSON' });
        }
        // Plain HTTP has no connection state: one policy instance per server for /act.
        const image = await firstImage(obs.images);
        const r = await infer(httpPolicy, obs.state, image);
        if ('stalled' in r) return; // the client's timeout fires; the socket closes with the server
        if ('error' in r) return send(500, { type: 'error', seq: obs.seq, code: 'policy_error', message: r.error });
        send(200, { type: 'action_chunk', seq: obs.seq, actions: r.actions, infer_ms: r.inferMs });
      })().catch((err: unknown) => send(500, { code: 'internal', message: errorMessage(err) }));
    });
  });
  const httpPolicy = new DemoPolicy(opts);

  const firstImage = async (images: Record<string, string>): Promise<RgbFrame | undefined> => {
    const b64 = Object.values(images)[0];
    return b64 ? jpegToFrame(Buffer.from(b64, 'base64')) : undefined;
  };

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => undefined);
      if (path === '/openpi') serveOpenPi(ws);
      else serveJson(ws);
    });
  });

  const serveJson = (ws: WebSocket): void => {
    const policy = new DemoPolicy(opts);
    ws.send(JSON.stringify(metadata));
    ws.on('message', (data, isBinary) => {
      void (async () => {
        st.byProtocol.json++;
        let obs: z.infer<typeof jsonObservation>;
        let seq: number | undefined;
        try {
          const raw: unknown = JSON.parse(isBinary ? '' : data.toString());
          seq = typeof (raw as { seq?: unknown }).seq === 'number' ? (raw as { seq: number }).seq : undefined;
          obs = jsonObservation.parse(raw);
        } catch (err) {
          const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'frame is not JSON';
          return ws.send(JSON.stringify({ type: 'error', ...(seq !== undefined ? { seq } : {}), code: 'bad_request', message }));
        }
        const r = await infer(policy, obs.state, await firstImage(obs.images));
        if ('stalled' in r) return;
        if ('error' in r) return ws.send(JSON.stringify({ type: 'error', seq: obs.seq, code: 'policy_error', message: r.error }));
        ws.send(JSON.stringify({ type: 'action_chunk', seq: obs.seq, actions: r.actions, infer_ms: r.inferMs }));
      })().catch((err: unknown) => log.warn(`json session: ${errorMessage(err)}`));
    });
  };

  const serveOpenPi = (ws: WebSocket): void => {
    const policy = new DemoPolicy(opts);
    ws.send(packb({ ...metadata, protocol: 'openpi' } as Parameters<typeof packb>[0]));
    let busy = Promise.resolve();
    ws.on('message', (data: Buffer) => {
      busy = busy.then(async () => {
        st.byProtocol.openpi++;
        try {
          const obs = unpackb(data) as Record<string, unknown>;
          const state = obs.state instanceof NdArray ? obs.state.toNumbers() : Array.isArray(obs.state) ? (obs.state as number[]) : [];
          const images = (obs.images ?? {}) as Record<string, unknown>;
          const arr = Object.values(images).find((v): v is NdArray => v instanceof NdArray);
          let image: RgbFrame | undefined;
          if (arr && arr.shape.length === 3 && arr.shape[2] === 3) image = { height: arr.shape[0], width: arr.shape[1], data: arr.data };
          const r = await infer(policy, state, image);
          if ('stalled' in r) return;
          if ('error' in r) {
            // openpi's error path: the traceback as a text frame, then close 1011.
            ws.send(`Traceback (most recent call last):\n  demo policy\nRuntimeError: ${r.error}`);
            ws.close(1011, 'internal error');
            return;
          }
          const rows = r.actions;
          const flat = rows.flat();
          ws.send(
            packb({
              actions: NdArray.float32(flat, [rows.length, rows[0].length]),
              server_timing: { infer_ms: r.inferMs },
            }),
          );
        } catch (err) {
          ws.send(`Traceback (most recent call last):\nValueError: ${errorMessage(err)}`);
          ws.close(1011, 'internal error');
        }
      });
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  log.info(`demo policy server on ws://${hostPart}:${port}/ (JSON), ws://${hostPart}:${port}/openpi (openpi), http://${hostPart}:${port}/act`);
  return {
    port,
    url: `ws://${hostPart}:${port}/`,
    openpiUrl: `ws://${hostPart}:${port}/openpi`,
    httpUrl: `http://${hostPart}:${port}`,
    metadata,
    setFault: (f) => {
      fault = f;
    },
    setInferDelayMs: (ms) => {
      delayMs = ms;
    },
    stats: () => structuredClone(st),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
