/**
 * Completion of REST moves (goto, wake_up, goto_sleep): one `/api/move/ws/updates` link, opened before the first
 * move and kept; events that arrive before the POST's reply are buffered. When the link is missing or drops,
 * completion is inferred by polling `/api/move/running` until the uuid disappears.
 */
import { errorMessage } from '../../shared/errors';
import WebSocket from 'ws';
import type { Logger } from '../log';
import { restCall } from './rest';
import type { RestOptions } from './rest';
import type { MoveHandle, MoveOutcome } from './types';

interface Pending {
  resolve: (o: MoveOutcome) => void;
  polling: boolean;
}

const FINAL: Record<string, MoveOutcome['status']> = {
  move_completed: 'completed',
  move_failed: 'failed',
  move_cancelled: 'cancelled',
};

export class MoveTracker {
  private ws: WebSocket | null = null;
  private opening: Promise<boolean> | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Final events seen for uuids not (yet) registered. */
  private readonly early = new Map<string, MoveOutcome>();
  private closed = false;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: { rest: RestOptions; log: Logger }) {}

  async run(post: () => Promise<{ uuid: string }>): Promise<MoveHandle> {
    const linked = await this.ensureLink();
    const { uuid } = await post();
    const done = new Promise<MoveOutcome>((resolve) => {
      const early = this.early.get(uuid);
      if (early) {
        this.early.delete(uuid);
        resolve(early);
        return;
      }
      const live = linked && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
      this.pending.set(uuid, { resolve, polling: !live });
      if (!live) this.schedulePoll();
    });
    return { uuid, done };
  }

  private ensureLink(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(true);
    if (this.opening) return this.opening;
    this.opening = new Promise<boolean>((resolve) => {
      const ws = new WebSocket(this.o.rest.baseUrl.replace(/^http/, 'ws') + '/api/move/ws/updates', {
        perMessageDeflate: false,
        handshakeTimeout: this.o.rest.timeoutMs,
      });
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        this.opening = null;
        resolve(ok);
      };
      ws.on('open', () => {
        this.ws = ws;
        settle(true);
      });
      ws.on('unexpected-response', (_q, res) => {
        res.resume();
        ws.terminate();
        settle(false);
      });
      ws.on('error', () => settle(false));
      ws.on('message', (d) => this.onEvent(d.toString()));
      ws.on('close', () => {
        settle(false);
        if (this.ws === ws) this.ws = null;
        // Moves in flight can no longer be heard about: infer their completion by polling.
        for (const p of this.pending.values()) p.polling = true;
        if (this.pending.size) this.schedulePoll();
      });
    });
    return this.opening;
  }

  private onEvent(text: string): void {
    let e: { type?: unknown; uuid?: unknown; details?: unknown };
    try {
      e = JSON.parse(text) as typeof e;
    } catch {
      return;
    }
    if (typeof e.uuid !== 'string' || typeof e.type !== 'string') return;
    const status = FINAL[e.type];
    if (!status) return;
    const outcome: MoveOutcome = { uuid: e.uuid, status, details: typeof e.details === 'string' ? e.details : '' };
    const p = this.pending.get(e.uuid);
    if (p) {
      this.pending.delete(e.uuid);
      p.resolve(outcome);
    } else {
      this.early.set(e.uuid, outcome);
      if (this.early.size > 256) this.early.delete(this.early.keys().next().value as string);
    }
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.closed) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      void this.poll();
    }, 200);
  }

  private async poll(): Promise<void> {
    const polled = [...this.pending.entries()].filter(([, p]) => p.polling);
    if (!polled.length || this.closed) return;
    try {
      const running = new Set((await restCall<Array<{ uuid: string }>>(this.o.rest, 'GET', '/api/move/running')).map((r) => r.uuid));
      for (const [uuid, p] of polled) {
        if (running.has(uuid)) continue;
        this.pending.delete(uuid);
        p.resolve({ uuid, status: 'completed', details: 'completion inferred from /api/move/running' });
      }
    } catch (err) {
      // Daemon unreachable: the outcome is unknown; report it rather than wait forever.
      for (const [uuid, p] of polled) {
        this.pending.delete(uuid);
        p.resolve({ uuid, status: 'failed', details: `connection lost: ${errorMessage(err)}` });
      }
    }
    if ([...this.pending.values()].some((p) => p.polling)) this.schedulePoll();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    for (const [uuid, p] of this.pending) p.resolve({ uuid, status: 'failed', details: 'client closed' });
    this.pending.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
  }
}
