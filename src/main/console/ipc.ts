/**
 * The Electron IPC wiring as plain functions (no `electron` import), so it is unit-tested without launching
 * Electron: one handler per ConsoleApi method (from the shared table), each refusing any sender frame that is not
 * the console's own page, then dispatching through the same validated path as browser mode.
 */
import { consoleMethods, type ConsolePush, type ConsoleMethodName } from '../../shared/console-api';
import type { BridgeReply } from '../../shared/bridge';
import type { ConsoleSession } from './host';
import { ipcChannel, IPC_PUSH_CHANNEL } from '../../shared/ipc-channels';

/** The parts of Electron's IpcMainInvokeEvent the handlers use. */
export interface IpcEventLike {
  sender: { id: number; send(channel: string, ...args: unknown[]): void; once?(event: 'destroyed', cb: () => void): unknown };
  senderFrame: { url: string } | null;
}

export interface SessionFactory {
  openSession(send: (p: ConsolePush) => void): ConsoleSession;
}

export type IpcHandler = (event: IpcEventLike, params: unknown) => Promise<BridgeReply>;

/**
 * Trusted = the page the window actually loaded (app://console/, or the dev server's origin in dev mode, or one
 * file), nothing else (no iframes, no other sites). Scheme and host are compared, not URL.origin: for custom
 * schemes such as app: Node's URL.origin is the opaque 'null', which every other custom-scheme URL shares.
 */
export function makeSenderCheck(appUrl: string): (frameUrl: string | null | undefined) => boolean {
  const expected = new URL(appUrl);
  return (frameUrl) => {
    if (!frameUrl) return false;
    let u: URL;
    try {
      u = new URL(frameUrl);
    } catch {
      return false;
    }
    if (u.protocol !== expected.protocol || u.username || u.password) return false;
    if (expected.protocol === 'file:') return u.pathname === expected.pathname;
    return u.host === expected.host && u.host !== '';
  };
}

export function createIpcHandlers(host: SessionFactory, isTrustedSender: (frameUrl: string | null | undefined) => boolean): Map<string, IpcHandler> {
  const sessions = new Map<number, ConsoleSession>();
  let seq = 1;
  const sessionFor = (event: IpcEventLike): ConsoleSession => {
    let s = sessions.get(event.sender.id);
    if (!s) {
      const sender = event.sender;
      s = host.openSession((p) => {
        try {
          sender.send(IPC_PUSH_CHANNEL, p);
        } catch {
          // window closing
        }
      });
      sessions.set(sender.id, s);
      sender.once?.('destroyed', () => {
        sessions.get(sender.id)?.close();
        sessions.delete(sender.id);
      });
    }
    return s;
  };
  const handlers = new Map<string, IpcHandler>();
  for (const method of Object.keys(consoleMethods) as ConsoleMethodName[]) {
    handlers.set(ipcChannel(method), async (event, params) => {
      if (!isTrustedSender(event.senderFrame?.url)) {
        return { ok: false, error: { code: 'unauthorized', message: 'IPC from a frame that is not the console page was refused' } };
      }
      const reply = await sessionFor(event).handle({ id: seq++, method, params });
      return reply.ok ? { ok: true, result: reply.result } : { ok: false, error: reply.error };
    });
  }
  return handlers;
}
