/**
 * Backpressure for one browser-mode connection. Frames go straight to the socket while the reader keeps up. When
 * the socket's unsent bytes pass the high-water mark, frames are held in order; a state-like push (robot state,
 * console snapshot, progress, heartbeat, devices changed) replaces the held one of the same kind instead of queueing behind it, so
 * a slow reader gets the latest state late rather than every old state. A reader that stays behind longer than
 * `maxBehindMs`, or whose held frames pass the caps, is disconnected (the UI reconnects and reloads its state), so
 * one client can never make the server hold more than roughly highWater + maxPendingBytes for it.
 */
import type { ConsolePush, PushFrame, ReplyFrame } from '../../shared/console-api';

export interface OutboxTransport {
  /** Bytes handed to the transport and not yet written to the OS. */
  bufferedAmount(): number;
  /** Sends one text frame; `written` runs once the frame has left the process. */
  send(text: string, written: () => void): void;
  /** Disconnects the reader (called once). */
  close(code: number, reason: string): void;
}

export interface BackpressureOptions {
  /** Unsent bytes above which frames are held (and state pushes coalesced). Default 1 MiB. */
  highWaterBytes: number;
  /** Held frames' bytes above which the reader is disconnected. Default 4 MiB. */
  maxPendingBytes: number;
  /** Held frames above which the reader is disconnected. Default 1000. */
  maxPendingFrames: number;
  /** How long a reader may stay continuously behind before it is disconnected. Default 15 s. */
  maxBehindMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureOptions = {
  highWaterBytes: 1024 * 1024,
  maxPendingBytes: 4 * 1024 * 1024,
  maxPendingFrames: 1000,
  maxBehindMs: 15_000,
};

/** WebSocket close code for a reader that fell too far behind (application range 4000-4999). */
export const SLOW_READER_CLOSE_CODE = 4008;

export interface OutboxStats {
  /** Frames held back for a slow reader. */
  pendingFrames: number;
  pendingBytes: number;
  /** Unsent bytes in the transport right now. */
  bufferedAmount: number;
  /** Largest unsent byte count seen right after a send. */
  maxBufferedAmount: number;
  sent: number;
  /** Held state pushes replaced by a newer one of the same kind. */
  coalesced: number;
  closed: boolean;
  closeReason?: string;
}

/** Pushes where only the latest matters; null = every frame must arrive, in order. */
export function coalesceKey(p: ConsolePush): string | null {
  switch (p.type) {
    case 'snapshot':
    case 'devices_changed':
    case 'panorama_progress':
    case 'runner_heartbeat':
      return p.type;
    case 'mesh_event':
      return p.event.event_name === 'state_event' ? `state:${p.event.device_id}:${p.subscriptionIds.join(',')}` : null;
    default:
      return null;
  }
}

export class Outbox {
  private readonly opts: BackpressureOptions;
  /** Held frames in send order; a coalescing key keeps its first position and takes the newest text. */
  private readonly pending = new Map<string, string>();
  private pendingBytes = 0;
  private seq = 0;
  private behindTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private closeReason: string | undefined;
  private sent = 0;
  private coalesced = 0;
  private maxBuffered = 0;

  constructor(
    private readonly transport: OutboxTransport,
    opts: Partial<BackpressureOptions> = {},
  ) {
    this.opts = { ...DEFAULT_BACKPRESSURE, ...opts };
  }

  reply(frame: ReplyFrame): void {
    this.enqueue(null, JSON.stringify(frame));
  }

  push(p: ConsolePush): void {
    const frame: PushFrame = { push: p.type, data: p };
    this.enqueue(coalesceKey(p), JSON.stringify(frame));
  }

  stats(): OutboxStats {
    return {
      pendingFrames: this.pending.size,
      pendingBytes: this.pendingBytes,
      bufferedAmount: this.closed ? 0 : this.transport.bufferedAmount(),
      maxBufferedAmount: this.maxBuffered,
      sent: this.sent,
      coalesced: this.coalesced,
      closed: this.closed,
      ...(this.closeReason ? { closeReason: this.closeReason } : {}),
    };
  }

  /** Drops everything held (the socket is gone). */
  dispose(): void {
    this.closed = true;
    this.clearHeld();
  }

  private enqueue(key: string | null, text: string): void {
    if (this.closed) return;
    if (this.pending.size === 0 && this.transport.bufferedAmount() < this.opts.highWaterBytes) {
      this.write(text);
      return;
    }
    const k = key ?? `#${this.seq++}`;
    const old = this.pending.get(k);
    if (old !== undefined) {
      this.pendingBytes -= old.length;
      this.coalesced++;
    }
    this.pending.set(k, text);
    this.pendingBytes += text.length;
    if (this.pending.size > this.opts.maxPendingFrames || this.pendingBytes > this.opts.maxPendingBytes) {
      this.fail(`the reader is too slow: ${this.pending.size} frames (${this.pendingBytes} bytes) not yet sent`);
      return;
    }
    this.behindTimer ??= setTimeout(() => {
      this.behindTimer = null;
      if (this.pending.size > 0) this.fail(`the reader stayed behind for more than ${this.opts.maxBehindMs} ms`);
    }, this.opts.maxBehindMs);
    this.behindTimer.unref?.();
  }

  private write(text: string): void {
    this.sent++;
    this.transport.send(text, () => this.flush());
    const buffered = this.transport.bufferedAmount();
    if (buffered > this.maxBuffered) this.maxBuffered = buffered;
  }

  /** Sends held frames while the transport is below the high-water mark. */
  private flush(): void {
    if (this.closed) return;
    while (this.pending.size > 0 && this.transport.bufferedAmount() < this.opts.highWaterBytes) {
      const [k, text] = this.pending.entries().next().value as [string, string];
      this.pending.delete(k);
      this.pendingBytes -= text.length;
      this.write(text);
    }
    if (this.pending.size === 0 && this.behindTimer) {
      clearTimeout(this.behindTimer);
      this.behindTimer = null;
    }
  }

  private clearHeld(): void {
    this.pending.clear();
    this.pendingBytes = 0;
    if (this.behindTimer) clearTimeout(this.behindTimer);
    this.behindTimer = null;
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.clearHeld();
    this.transport.close(SLOW_READER_CLOSE_CODE, reason);
  }
}
