/**
 * D2D presence collector (docs/PROTOCOL.md): listens to `device-connect.<t>.*.presence`, drops peers on
 * departure, prunes peers unseen for 30 s (checked every 15 s), and can probe and wait for peers.
 */
import type { DeviceInfo } from '../../shared/wire';
import { bytesToString, Listeners, type MeshConnection, type MeshSubscription } from './connection';
import { flattenDevice } from './device-info';
import { epochSeconds, isPlainObject } from './rpc';
import { subjects } from './subjects';

export interface CollectorOptions {
  /** Our own device id (ignored), if the collector runs inside a device. */
  selfId?: string;
  pruneAfterMs?: number;
  pruneEveryMs?: number;
  source?: DeviceInfo['source'];
}

export class PresenceCollector {
  private readonly peers = new Map<string, DeviceInfo>();
  private sub: MeshSubscription | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly changes = new Listeners<void>();
  private readonly arrivals = new Listeners<string>();
  private readonly pruneAfterMs: number;
  private readonly pruneEveryMs: number;

  constructor(
    private readonly conn: MeshConnection,
    private readonly tenant: string,
    private readonly opts: CollectorOptions = {},
  ) {
    this.pruneAfterMs = opts.pruneAfterMs ?? 30_000;
    this.pruneEveryMs = opts.pruneEveryMs ?? 15_000;
  }

  get started(): boolean {
    return this.sub !== null;
  }

  start(): void {
    if (this.sub) return;
    this.sub = this.conn.subscribe(subjects.presenceAll(this.tenant), (msg) => this.onPresence(msg.data));
    this.pruneTimer = setInterval(() => this.prune(), this.pruneEveryMs);
    this.pruneTimer.unref?.();
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    this.changes.clear();
    this.arrivals.clear();
  }

  private onPresence(data: Uint8Array): void {
    let doc: unknown;
    try {
      doc = JSON.parse(bytesToString(data));
    } catch {
      return;
    }
    if (!isPlainObject(doc) || typeof doc.device_id !== 'string' || doc.device_id === this.opts.selfId) return;
    if (doc.departing === true) {
      if (this.peers.delete(doc.device_id)) this.changes.emit();
      return;
    }
    const info = flattenDevice(doc, this.opts.source ?? 'd2d');
    if (!info) return;
    const prev = this.peers.get(info.device_id);
    this.peers.set(info.device_id, info);
    if (!prev) {
      this.arrivals.emit(info.device_id);
      this.changes.emit();
    } else if (
      prev.status.availability !== info.status.availability ||
      prev.status.online !== info.status.online ||
      prev.location !== info.location ||
      prev.functions.length !== info.functions.length
    ) {
      this.changes.emit();
    }
  }

  prune(now: number = Date.now()): void {
    let changed = false;
    for (const [id, info] of this.peers) {
      if (now - info.last_seen > this.pruneAfterMs) {
        this.peers.delete(id);
        changed = true;
      }
    }
    if (changed) this.changes.emit();
  }

  devices(): DeviceInfo[] {
    return [...this.peers.values()];
  }

  get(deviceId: string): DeviceInfo | undefined {
    return this.peers.get(deviceId);
  }

  size(): number {
    return this.peers.size;
  }

  onChange(cb: () => void): () => void {
    return this.changes.add(cb);
  }

  probe(): void {
    try {
      this.conn.publish(subjects.probe(this.tenant), JSON.stringify({ probe: true, ts: epochSeconds() }));
    } catch {
      // Not connected: the next probe or periodic presence will fill the cache.
    }
  }

  /**
   * Probe, then resolve once a peer is known (or `wantId` appears) and no new peer has arrived for `settleMs`, or
   * after `timeoutMs`. The quiet window restarts with each new peer: a large fleet's probe answers arrive over
   * hundreds of milliseconds, and a first listing cut off after the first few would show a fraction of the fleet.
   */
  waitForPeers(timeoutMs: number, wantId?: string, settleMs = 150): Promise<void> {
    const satisfied = (): boolean => (wantId ? this.peers.has(wantId) : this.peers.size > 0);
    return new Promise<void>((resolve) => {
      let settle: NodeJS.Timeout | null = null;
      const finish = (): void => {
        clearTimeout(timer);
        if (settle) clearTimeout(settle);
        off();
        resolve();
      };
      const onArrival = (): void => {
        if (!satisfied()) return;
        if (settle) clearTimeout(settle);
        settle = setTimeout(finish, settleMs);
      };
      const off = this.arrivals.add(onArrival);
      const timer = setTimeout(finish, timeoutMs);
      this.probe();
      if (satisfied()) settle = setTimeout(finish, settleMs);
    });
  }
}
