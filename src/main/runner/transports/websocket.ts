/**
 * `websocket` transport: JSON text frames. The server sends a metadata frame first; each observation carries a
 * `seq` and the reply echoes it, so several requests may be in flight (pipelined inference). A lost link rejects
 * what is in flight with transport_closed and is re-opened on the next call.
 */
import WebSocket from 'ws';
import { RunnerError } from '../errors';
import type { ActionChunk, InferOptions, PolicyMetadata, PolicyObservation, PolicyTransport } from '../types';
import { encodeObservationJson, parseChunk, withTimeout, type ImageEncoding } from './wire';

export interface WebSocketTransportOptions extends ImageEncoding {
  url: string;
  /** Per-call inference timeout (default 10 s). */
  timeoutS?: number;
  /** Connect + metadata budget (default 10 s). */
  connectTimeoutS?: number;
}

interface Pending {
  resolve: (raw: unknown) => void;
  reject: (err: Error) => void;
}

export class WebSocketTransport implements PolicyTransport {
  readonly kind = 'websocket';
  private ws: WebSocket | null = null;
  private connecting: Promise<PolicyMetadata> | null = null;
  private readonly pending = new Map<number, Pending>();
  private metadata: PolicyMetadata = {};
  private closed = false;

  constructor(private readonly opts: WebSocketTransportOptions) {}

  async connect(signal?: AbortSignal): Promise<PolicyMetadata> {
    this.closed = false;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.metadata;
    this.connecting ??= this.open(signal).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private open(signal?: AbortSignal): Promise<PolicyMetadata> {
    const ms = (this.opts.connectTimeoutS ?? 10) * 1000;
    const ws = new WebSocket(this.opts.url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    const first = new Promise<PolicyMetadata>((resolve, reject) => {
      ws.once('error', (err) => reject(new RunnerError('transport_connect', `cannot connect to ${this.opts.url}: ${err.message}`)));
      ws.once('close', () => reject(new RunnerError('transport_connect', `${this.opts.url} closed before sending metadata`)));
      ws.once('message', (data, isBinary) => {
        try {
          const meta: unknown = JSON.parse(isBinary ? '' : data.toString());
          if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error('not an object');
          resolve(meta as PolicyMetadata);
        } catch {
          reject(new RunnerError('protocol', `${this.opts.url}: first frame is not a JSON metadata object`));
        }
      });
    });
    return withTimeout(first, ms, `connect ${this.opts.url}`, signal).then(
      (meta) => {
        ws.removeAllListeners();
        ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
        ws.on('close', () => this.onClose(ws));
        ws.on('error', () => this.onClose(ws));
        this.ws = ws;
        this.metadata = meta;
        return meta;
      },
      (err: unknown) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        throw err;
      },
    );
  }

  private onMessage(text: string | null): void {
    let msg: unknown;
    try {
      msg = text === null ? null : JSON.parse(text);
    } catch {
      msg = null;
    }
    const seq = typeof msg === 'object' && msg !== null ? (msg as { seq?: unknown }).seq : undefined;
    if (typeof seq === 'number' && this.pending.has(seq)) {
      const p = this.pending.get(seq)!;
      this.pending.delete(seq);
      p.resolve(msg);
      return;
    }
    // A typed error without seq concerns every request in flight.
    if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'error' && seq === undefined) {
      for (const [s, p] of this.pending) p.resolve({ ...(msg as object), seq: s });
      this.pending.clear();
    }
    // Anything else (late replies after a timeout, unknown frames) is dropped.
  }

  private onClose(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = null;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    for (const p of this.pending.values()) p.reject(new RunnerError('transport_closed', `${this.opts.url}: connection closed`));
    this.pending.clear();
  }

  async infer(obs: PolicyObservation, opts: InferOptions = {}): Promise<ActionChunk> {
    if (this.closed) throw new RunnerError('transport_closed', 'transport is closed');
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) await this.connect(opts.signal);
    const ws = this.ws;
    if (!ws) throw new RunnerError('transport_closed', `${this.opts.url}: not connected`);
    const text = await encodeObservationJson(obs, this.opts);
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(obs.seq, { resolve, reject }));
    ws.send(text);
    const ms = opts.timeoutMs ?? (this.opts.timeoutS ?? 10) * 1000;
    try {
      const raw = await withTimeout(reply, ms, `inference seq=${obs.seq}`, opts.signal);
      return parseChunk(raw, obs.seq);
    } finally {
      this.pending.delete(obs.seq);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    this.ws = null;
    for (const p of this.pending.values()) p.reject(new RunnerError('transport_closed', 'transport closed'));
    this.pending.clear();
    if (!ws) return;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      ws.close(1000);
    });
  }
}
