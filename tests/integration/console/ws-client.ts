/** A tiny test client for the browser-mode WebSocket (request/response by id, pushes collected). */
import WebSocket from 'ws';
import type { PushFrame, ReplyFrame } from '../../../src/shared/console-api';

export interface TestClient {
  call(method: string, params?: unknown): Promise<ReplyFrame>;
  sendRaw(text: string): Promise<ReplyFrame>;
  pushes: PushFrame[];
  waitPush(pred: (p: PushFrame) => boolean, timeoutMs?: number): Promise<PushFrame>;
  close(): void;
}

export function openClient(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let next = 1;
    const pending = new Map<number, (r: ReplyFrame) => void>();
    const nullReplies: Array<(r: ReplyFrame) => void> = [];
    const pushes: PushFrame[] = [];
    const waiters: Array<{ pred: (p: PushFrame) => boolean; res: (p: PushFrame) => void }> = [];
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as ReplyFrame | PushFrame;
      if ('push' in f) {
        pushes.push(f);
        for (const w of [...waiters]) if (w.pred(f)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.res(f);
        }
        return;
      }
      if (f.id === null) nullReplies.shift()?.(f);
      else pending.get(f.id)?.(f);
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        pushes,
        call: (method, params) =>
          new Promise((res) => {
            const id = next++;
            pending.set(id, res);
            ws.send(JSON.stringify({ id, method, params }));
          }),
        sendRaw: (text) =>
          new Promise((res) => {
            nullReplies.push(res);
            ws.send(text);
          }),
        waitPush: (pred, timeoutMs = 5000) =>
          new Promise((res, rej) => {
            const found = pushes.find(pred);
            if (found) return res(found);
            const t = setTimeout(() => rej(new Error('push not received')), timeoutMs);
            waiters.push({ pred, res: (p) => (clearTimeout(t), res(p)) });
          }),
        close: () => ws.close(),
      }),
    );
  });
}
