/**
 * `openpi` transport: openpi's websocket policy server protocol (openpi_client.websocket_client_policy).
 * Binary msgpack-numpy frames; the server's first frame is a metadata dict; one request at a time; a text frame is
 * an error (the server's traceback) after which the server closes. Observation keys follow openpi's ALOHA-style
 * inputs by default: {state: float32[n], images: {name: uint8[H,W,3]}, prompt}; `image_layout: chw` for [3,H,W].
 */
import { errorMessage } from '../../../shared/errors';
import WebSocket from 'ws';
import { RunnerError } from '../errors';
import type { ActionChunk, InferOptions, PolicyMetadata, PolicyObservation, PolicyTransport, RgbFrame } from '../types';
import { NdArray, packb, toRows, unpackb, type PackValue } from './msgpack-numpy';
import { withTimeout } from './wire';

export interface OpenPiTransportOptions {
  url: string;
  timeoutS?: number;
  connectTimeoutS?: number;
  /** Key for the state vector (default `state`; e.g. `observation/state` for DROID-style policies). */
  stateKey?: string;
  /** Camera name → top-level key (e.g. `{front: "observation/image"}`); unmapped cameras go under `images`. */
  imageKeys?: Record<string, string>;
  imageLayout?: 'hwc' | 'chw';
  apiKey?: string;
}

function frameArray(f: RgbFrame, layout: 'hwc' | 'chw'): NdArray {
  if (layout === 'hwc') return NdArray.uint8(f.data, [f.height, f.width, 3]);
  const n = f.width * f.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i] = f.data[i * 3];
    out[n + i] = f.data[i * 3 + 1];
    out[2 * n + i] = f.data[i * 3 + 2];
  }
  return NdArray.uint8(out, [3, f.height, f.width]);
}

export class OpenPiTransport implements PolicyTransport {
  readonly kind = 'openpi';
  private ws: WebSocket | null = null;
  private metadata: PolicyMetadata = {};
  private waiter: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: OpenPiTransportOptions) {}

  async connect(signal?: AbortSignal): Promise<PolicyMetadata> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.metadata;
    const ms = (this.opts.connectTimeoutS ?? 10) * 1000;
    const headers: Record<string, string> = this.opts.apiKey ? { Authorization: `Api-Key ${this.opts.apiKey}` } : {};
    const ws = new WebSocket(this.opts.url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024, headers });
    const first = new Promise<PolicyMetadata>((resolve, reject) => {
      ws.once('error', (err) => reject(new RunnerError('transport_connect', `cannot connect to ${this.opts.url}: ${err.message}`)));
      ws.once('close', () => reject(new RunnerError('transport_connect', `${this.opts.url} closed before sending metadata`)));
      ws.once('message', (data: Buffer, isBinary) => {
        if (!isBinary) return reject(new RunnerError('policy_error', `${this.opts.url}: ${data.toString().slice(0, 500)}`));
        try {
          const meta = unpackb(data);
          resolve(meta && typeof meta === 'object' && !Array.isArray(meta) ? (meta as PolicyMetadata) : {});
        } catch (err) {
          reject(new RunnerError('protocol', `${this.opts.url}: metadata frame is not msgpack: ${errorMessage(err)}`));
        }
      });
    });
    try {
      this.metadata = await withTimeout(first, ms, `connect ${this.opts.url}`, signal);
    } catch (err) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      throw err;
    }
    ws.removeAllListeners();
    ws.on('message', (data: Buffer, isBinary) => {
      const w = this.waiter;
      this.waiter = null;
      if (!w) return;
      if (!isBinary) w.reject(new RunnerError('policy_error', `server error: ${data.toString().slice(0, 2000)}`));
      else {
        try {
          w.resolve(unpackb(data));
        } catch (err) {
          w.reject(new RunnerError('protocol', `reply is not msgpack: ${errorMessage(err)}`));
        }
      }
    });
    const onGone = (): void => {
      if (this.ws !== ws) return;
      this.ws = null;
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      this.waiter?.reject(new RunnerError('transport_closed', `${this.opts.url}: connection closed`));
      this.waiter = null;
    };
    ws.on('close', onGone);
    ws.on('error', onGone);
    this.ws = ws;
    return this.metadata;
  }

  private buildObservation(obs: PolicyObservation): PackValue {
    const layout = this.opts.imageLayout ?? 'hwc';
    const out: Record<string, PackValue> = { [this.opts.stateKey ?? 'state']: NdArray.float32(obs.state) };
    const images: Record<string, PackValue> = {};
    for (const [name, frame] of Object.entries(obs.images)) {
      const key = this.opts.imageKeys?.[name];
      if (key) out[key] = frameArray(frame, layout);
      else images[name] = frameArray(frame, layout);
    }
    if (Object.keys(images).length) out.images = images;
    if (obs.prompt !== undefined) out.prompt = obs.prompt;
    return out;
  }

  /** openpi serves one request at a time, so calls are serialized here. */
  infer(obs: PolicyObservation, opts: InferOptions = {}): Promise<ActionChunk> {
    const run = this.queue.then(() => this.inferOne(obs, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async inferOne(obs: PolicyObservation, opts: InferOptions): Promise<ActionChunk> {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) await this.connect(opts.signal);
    const ws = this.ws;
    if (!ws) throw new RunnerError('transport_closed', `${this.opts.url}: not connected`);
    const reply = new Promise<unknown>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    ws.send(packb(this.buildObservation(obs)));
    const ms = opts.timeoutMs ?? (this.opts.timeoutS ?? 10) * 1000;
    let raw: unknown;
    try {
      raw = await withTimeout(reply, ms, `inference seq=${obs.seq}`, opts.signal);
    } catch (err) {
      // Without request ids a late reply would be taken for the next one: drop the link instead.
      this.waiter = null;
      if (this.ws === ws) {
        this.ws = null;
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
      }
      throw err;
    }
    const actions = raw && typeof raw === 'object' ? toRows((raw as { actions?: unknown }).actions) : null;
    if (!actions || actions.length === 0 || actions[0].length === 0)
      throw new RunnerError('protocol', 'openpi reply has no 1-d or 2-d numeric `actions` array');
    if (actions.some((r) => r.some((x) => !Number.isFinite(x)))) throw new RunnerError('protocol', 'openpi reply has non-finite actions');
    const timing = (raw as { server_timing?: { infer_ms?: unknown } }).server_timing;
    return { seq: obs.seq, actions, ...(typeof timing?.infer_ms === 'number' ? { inferMs: timing.infer_ms } : {}) };
  }

  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    this.waiter?.reject(new RunnerError('transport_closed', 'transport closed'));
    this.waiter = null;
    if (!ws) return;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => (ws.terminate(), resolve()), 1000);
      ws.once('close', () => (clearTimeout(t), resolve()));
      ws.close(1000);
    });
  }
}
