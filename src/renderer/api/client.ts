/**
 * ConsoleApi clients for the two hosts, both derived from the one method table (`consoleMethods`):
 * - browser mode: a WebSocket to ConsoleHost (`/api?token=...`), with reconnect and backoff;
 * - Electron: the preload's `window.reachyConsole` bridge.
 * Params are validated here too, so a bad form value is reported before anything is sent.
 */
import type { z } from 'zod';
import {
  ConsoleApiError,
  consoleMethods,
  describeZodError,
  type ApiErrorBody,
  type ConsoleApi,
  type ConsoleMethodName,
  type ConsolePush,
  type PushFrame,
  type ReplyFrame,
} from '../../shared/console-api';
import { BRIDGE_GLOBAL, type ConsoleBridge } from '../../shared/bridge';

export type LinkState = 'connecting' | 'open' | 'closed';

export interface ConsoleClient extends ConsoleApi {
  readonly host: 'browser' | 'electron';
  link(): LinkState;
  /** Fires on every link change; `reason` says why it dropped, in words. */
  onLink(cb: (state: LinkState, reason?: string) => void): () => void;
  close(): void;
}

type Caller = (method: ConsoleMethodName, params: unknown) => Promise<unknown>;

function validate(method: ConsoleMethodName, params: unknown): unknown {
  const schema = consoleMethods[method].input as z.ZodType;
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const { message, field } = describeZodError(parsed.error);
    throw new ConsoleApiError({ code: 'bad_request', message: `${method}: ${message}`, field });
  }
  // Send what the user gave (defaults are applied again by the host); validation only rejects.
  return params ?? {};
}

function buildMethods(call: Caller): Omit<ConsoleApi, 'onPush'> {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(consoleMethods) as ConsoleMethodName[]) {
    api[name] = async (input: unknown) => call(name, validate(name, input));
  }
  return api as unknown as Omit<ConsoleApi, 'onPush'>;
}

class Listeners<T extends unknown[]> {
  private set = new Set<(...a: T) => void>();
  add(cb: (...a: T) => void): () => void {
    this.set.add(cb);
    return () => this.set.delete(cb);
  }
  emit(...a: T): void {
    for (const cb of [...this.set]) {
      try {
        cb(...a);
      } catch (err) {
        console.error(err);
      }
    }
  }
}

/** Browser mode: one WebSocket, requests matched by id, pushes fanned out. */
export function createWsClient(wsUrl: string): ConsoleClient {
  const push = new Listeners<[ConsolePush]>();
  const linkL = new Listeners<[LinkState, string | undefined]>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let ws: WebSocket | null = null;
  let state: LinkState = 'connecting';
  let closed = false;
  let backoff = 250;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const setState = (s: LinkState, reason?: string): void => {
    state = s;
    linkL.emit(s, reason);
  };

  const failAll = (body: ApiErrorBody): void => {
    for (const p of pending.values()) p.reject(new ConsoleApiError(body));
    pending.clear();
  };

  const open = (): void => {
    if (closed) return;
    setState('connecting');
    let opened = false;
    const sock = new WebSocket(wsUrl);
    ws = sock;
    sock.onopen = () => {
      opened = true;
      backoff = 250;
      setState('open');
    };
    sock.onmessage = (ev) => {
      let frame: ReplyFrame | PushFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ReplyFrame | PushFrame;
      } catch {
        return;
      }
      if ('push' in frame) {
        push.emit(frame.data);
        return;
      }
      if (frame.id === null) {
        console.warn('console host:', frame.ok ? '' : frame.error.message);
        return;
      }
      const p = pending.get(frame.id);
      if (!p) return;
      pending.delete(frame.id);
      if (frame.ok) p.resolve(frame.result);
      else p.reject(new ConsoleApiError(frame.error));
    };
    sock.onclose = (ev) => {
      ws = null;
      failAll({ code: 'unavailable', message: 'lost the connection to the console host' });
      if (closed) return setState('closed');
      const reason = opened
        ? 'lost the connection to the console host; reconnecting…'
        : ev.code === 1006
          ? 'cannot reach the console host (is `reachy-console serve` running, and is the access token in the URL right?)'
          : `connection refused (${ev.code})`;
      setState('closed', reason);
      timer = setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  };
  open();

  /** Resolves once the socket is open; calls made while (re)connecting wait a little instead of failing at once. */
  const whenOpen = (timeoutMs: number): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      if (ws && ws.readyState === WebSocket.OPEN) return resolve(ws);
      if (closed) return reject(new ConsoleApiError({ code: 'unavailable', message: 'the console client is closed' }));
      const t = setTimeout(() => {
        off();
        reject(new ConsoleApiError({ code: 'unavailable', message: 'not connected to the console host' }));
      }, timeoutMs);
      const off = linkL.add((s) => {
        if (s === 'open' && ws) {
          clearTimeout(t);
          off();
          resolve(ws);
        }
      });
    });

  const call: Caller = async (method, params) => {
    const sock = await whenOpen(8000);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      sock.send(JSON.stringify({ id, method, params }));
    });
  };

  return {
    ...buildMethods(call),
    host: 'browser',
    onPush: (l) => push.add(l),
    link: () => state,
    onLink: (cb) => linkL.add(cb),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
  } as ConsoleClient;
}

/** Electron: the preload bridge. The IPC link is up as long as the window lives. */
export function createBridgeClient(bridge: ConsoleBridge): ConsoleClient {
  const call: Caller = async (method, params) => {
    const fn = bridge[method];
    if (typeof fn !== 'function') throw new ConsoleApiError({ code: 'not_found', message: `'${method}' is not exposed by the preload` });
    const reply = await fn(params);
    if (reply.ok) return reply.result;
    throw new ConsoleApiError(reply.error);
  };
  return {
    ...buildMethods(call),
    host: 'electron',
    onPush: (l) => bridge.onPush(l),
    link: () => 'open',
    onLink: () => () => undefined,
    close: () => undefined,
  } as ConsoleClient;
}

/** Picks the host this page runs in: the preload bridge when present, otherwise the WebSocket of browser mode. */
export function connectConsole(): ConsoleClient {
  const bridge = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL] as ConsoleBridge | undefined;
  if (bridge) return createBridgeClient(bridge);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWsClient(`${proto}//${location.host}/api?token=${encodeURIComponent(token)}`);
}

/** The text for a failed ConsoleApi call: the reply's error message, else errorMessage() of whatever was thrown. */
