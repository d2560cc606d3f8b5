/** Small helpers for the simulator/client integration tests (real HTTP and WebSockets on 127.0.0.1). */
import WebSocket from 'ws';

export interface HttpResult {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

export async function http(base: string, method: string, path: string, body?: unknown, raw?: string, headers?: Record<string, string>): Promise<HttpResult> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}), ...(headers ?? {}) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, text, json, headers: res.headers };
}

export const get = (base: string, path: string) => http(base, 'GET', path);
export const post = (base: string, path: string, body?: unknown) => http(base, 'POST', path, body);

export interface WsProbe {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  /** Resolves with the first message matching, already received or to come. */
  next(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(m: unknown): void;
  close(): void;
}

export function wsProbe(url: string): WsProbe {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  ws.on('message', (d) => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(d.toString()) as Record<string, unknown>;
    } catch {
      m = { raw: d.toString() };
    }
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => undefined);
  return {
    ws,
    messages,
    closed,
    opened,
    next(pred, timeoutMs = 5000) {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a WebSocket message')), timeoutMs);
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    },
    send(m) {
      ws.send(typeof m === 'string' ? m : JSON.stringify(m));
    },
    close() {
      ws.close();
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
