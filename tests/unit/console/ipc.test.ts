import { describe, expect, it } from 'vitest';
import { consoleMethods, type ConsolePush } from '../../../src/shared/console-api';
import { createIpcHandlers, makeSenderCheck, type IpcEventLike } from '../../../src/main/console/ipc';
import { ipcChannel, IPC_METHOD_PREFIX } from '../../../src/shared/ipc-channels';
import { createPreloadApi } from '../../../src/preload/api';
import { APP_URL } from '../../../src/main/web/app-protocol';
import type { ConsoleSession } from '../../../src/main/console/host';

const APP = 'file:///opt/reachy/out/renderer/index.html';

function fakeHost() {
  const calls: unknown[] = [];
  let pushes: ((p: ConsolePush) => void) | null = null;
  return {
    calls,
    push: (p: ConsolePush) => pushes?.(p),
    openSession(send: (p: ConsolePush) => void): ConsoleSession {
      pushes = send;
      return {
        id: 1,
        async handle(frame) {
          calls.push(frame);
          return { id: (frame as { id: number }).id, ok: true, result: 'done' };
        },
        close() {},
      };
    },
  };
}

const event = (url: string | null, sent: unknown[] = []): IpcEventLike => ({
  sender: { id: 7, send: (...a: unknown[]) => void sent.push(a) },
  senderFrame: url === null ? null : { url },
});

describe('Electron IPC wiring', () => {
  it('exposes one handler per ConsoleApi method, and the preload one function per method', () => {
    const handlers = createIpcHandlers(fakeHost(), makeSenderCheck(APP));
    const methods = Object.keys(consoleMethods).sort();
    expect([...handlers.keys()].map((c) => c.slice(IPC_METHOD_PREFIX.length)).sort()).toEqual(methods);
    const channels: string[] = [];
    const bridge = createPreloadApi(async (ch) => {
      channels.push(ch);
      return { ok: true, result: null };
    }, () => () => undefined);
    for (const m of methods) expect(typeof (bridge as unknown as Record<string, unknown>)[m]).toBe('function');
    expect(typeof bridge.onPush).toBe('function');
    // nothing generic leaks through the bridge
    expect(Object.keys(bridge).sort()).toEqual([...methods, 'onPush'].sort());
    void bridge.getSnapshot({});
    expect(channels).toEqual([ipcChannel('getSnapshot')]);
  });

  it('refuses a call from a foreign frame and never reaches the host', async () => {
    const host = fakeHost();
    const handlers = createIpcHandlers(host, makeSenderCheck(APP));
    const h = handlers.get(ipcChannel('estop'))!;
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', null]) {
      const reply = await h(event(url), { reason: 'x' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    expect(host.calls).toHaveLength(0);
    const ok = await h(event(`${APP}#/x`), { reason: 'x' });
    expect(ok).toEqual({ ok: true, result: 'done' });
    expect(host.calls).toHaveLength(1);
  });

  it('trusts exactly app://console, the page the desktop window loads, and no other custom-scheme page', () => {
    const check = makeSenderCheck(APP_URL);
    expect(check('app://console/index.html')).toBe(true);
    expect(check('app://console/index.html#/settings')).toBe(true);
    // Custom schemes have the opaque origin 'null' in URL.origin: comparing origins would trust all of these.
    for (const url of ['app://evil/index.html', 'evil://console/index.html', 'chrome-extension://abc/x.html', 'app://user@console/index.html', 'file:///opt/reachy/out/renderer/index.html', 'http://console/']) {
      expect(check(url), url).toBe(false);
    }
  });

  it('accepts only the dev-server origin in development', () => {
    const check = makeSenderCheck('http://localhost:5173/');
    expect(check('http://localhost:5173/index.html')).toBe(true);
    expect(check('http://localhost:5174/')).toBe(false);
    expect(check('not a url')).toBe(false);
  });

  it('routes pushes to the window that opened the session', async () => {
    const host = fakeHost();
    const sent: unknown[] = [];
    const handlers = createIpcHandlers(host, makeSenderCheck(APP));
    await handlers.get(ipcChannel('getSnapshot'))!(event(APP, sent), {});
    host.push({ type: 'log', record: { ts: 1, level: 'info', scope: 't', message: 'hello' } });
    expect(sent).toEqual([['console:push', { type: 'log', record: { ts: 1, level: 'info', scope: 't', message: 'hello' } }]]);
  });
});
