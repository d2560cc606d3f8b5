/**
 * `http` transport: `POST <url>/act` with the same JSON observation; the reply is an action chunk
 * ({type:"action_chunk", seq, actions} or a bare {actions}, as FastCrest's `reflex serve`). Non-2xx → policy_error.
 */
import { errorMessage } from '../../../shared/errors';
import { RunnerError } from '../errors';
import type { ActionChunk, InferOptions, PolicyMetadata, PolicyObservation, PolicyTransport } from '../types';
import { encodeObservationJson, parseChunk, type ImageEncoding } from './wire';

export interface HttpTransportOptions extends ImageEncoding {
  /** Base URL (`/act` is appended unless the URL already ends with it). */
  url: string;
  timeoutS?: number;
  headers?: Record<string, string>;
}

export class HttpTransport implements PolicyTransport {
  readonly kind = 'http';
  private readonly actUrl: string;
  constructor(private readonly opts: HttpTransportOptions) {
    this.actUrl = /\/act\/?$/.test(opts.url) ? opts.url : opts.url.replace(/\/+$/, '') + '/act';
  }

  async connect(): Promise<PolicyMetadata> {
    return {}; // plain HTTP has no metadata frame; the first /act call proves the server
  }

  async infer(obs: PolicyObservation, opts: InferOptions = {}): Promise<ActionChunk> {
    const ms = opts.timeoutMs ?? (this.opts.timeoutS ?? 10) * 1000;
    const timeout = AbortSignal.timeout(ms);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const body = await encodeObservationJson(obs, this.opts);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.actUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.headers ?? {}) },
        body,
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new RunnerError('transport_timeout', `POST ${this.actUrl}: no reply within ${ms} ms`);
      if (opts.signal?.aborted) throw new RunnerError('aborted', `POST ${this.actUrl}: aborted`);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new RunnerError('transport_connect', `POST ${this.actUrl}: ${cause}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const j = (json ?? {}) as { code?: unknown; message?: unknown; error?: unknown };
      const msg = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : text.slice(0, 200);
      throw new RunnerError('policy_error', `POST ${this.actUrl}: HTTP ${res.status}${typeof j.code === 'string' ? ` ${j.code}` : ''}: ${msg}`);
    }
    if (json === undefined) throw new RunnerError('protocol', `POST ${this.actUrl}: reply is not JSON`);
    return parseChunk(json, obs.seq);
  }

  async close(): Promise<void> {}
}
