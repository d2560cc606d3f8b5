/**
 * D2D presence announcer (docs/PROTOCOL.md): presence every 0.5 s for 10 s after start and after any new peer,
 * then every 5 s; an immediate presence for each `discovery.probe`; a departure on stop.
 *
 * Every device hears every peer's presence, so a fixed rate makes the mesh's presence traffic grow with the square
 * of the fleet (5,000 devices in a start-up burst: 10,000 messages/s, each delivered to 5,000 devices). Each device
 * therefore spaces its announcements by the number of peers it knows, keeping the whole fleet near
 * `fleetRatePerS` messages/s; small fleets keep the reference timings unchanged.
 */
import type { MeshConnection, MeshSubscription } from './connection';
import { bytesToString } from './connection';
import { epochSeconds, isPlainObject } from './rpc';
import { subjects } from './subjects';

export interface AnnouncerTiming {
  burstIntervalMs: number;
  burstDurationMs: number;
  intervalMs: number;
  /** Presence messages per second the whole fleet should stay near (each device spaces by its peer count). */
  fleetRatePerS?: number;
  /**
   * Longest spacing the fleet rule may impose: collectors forget a device unseen for 30 s, so a device still
   * announces at least every 10 s however large the fleet.
   */
  maxSpacingMs?: number;
}

export const DEFAULT_ANNOUNCER_TIMING: AnnouncerTiming = {
  burstIntervalMs: 500,
  burstDurationMs: 10_000,
  intervalMs: 5_000,
  fleetRatePerS: 1_000,
  maxSpacingMs: 10_000,
};

function isDeparture(data: Uint8Array): boolean {
  try {
    const doc: unknown = JSON.parse(bytesToString(data));
    return isPlainObject(doc) && doc.departing === true;
  } catch {
    return false;
  }
}

export class PresenceAnnouncer {
  private timer: NodeJS.Timeout | null = null;
  private burstUntil = 0;
  private subs: MeshSubscription[] = [];
  private readonly peers = new Set<string>();
  private running = false;

  constructor(
    private readonly conn: MeshConnection,
    private readonly tenant: string,
    private readonly deviceId: string,
    /** Serialised presence doc, built fresh each time (status and ts change). */
    private readonly presenceJson: () => string,
    private readonly timing: AnnouncerTiming,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.subs.push(this.conn.subscribe(subjects.probe(this.tenant), () => this.announce()));
    this.subs.push(
      this.conn.subscribe(subjects.presenceAll(this.tenant), (msg) => {
        // The peer id is in the subject; only small docs (departures) are worth parsing. This keeps a large
        // D2D fleet from parsing every peer's full capabilities on every device.
        const peer = msg.subject.split('.')[2];
        if (!peer || peer === this.deviceId) return;
        if (msg.data.byteLength < 512 && isDeparture(msg.data)) {
          this.peers.delete(peer);
        } else if (!this.peers.has(peer)) {
          this.peers.add(peer);
          this.extendBurst();
        }
      }),
    );
    this.burst();
  }

  /** A new peer: back to the fast rate for a while (reference), without an extra announcement right now. */
  private extendBurst(): void {
    if (!this.running) return;
    const wasSlow = Date.now() >= this.burstUntil;
    this.burstUntil = Date.now() + this.timing.burstDurationMs;
    if (wasSlow) this.schedule();
  }

  /** Announce at once and at the fast rate for a while (start, reconnect). */
  burst(): void {
    if (!this.running) return;
    this.burstUntil = Date.now() + this.timing.burstDurationMs;
    this.announce();
    this.schedule();
  }

  announce(): void {
    if (!this.running) return;
    try {
      this.conn.publish(subjects.presence(this.tenant, this.deviceId), this.presenceJson());
    } catch (err) {
      this.onError(err);
    }
  }

  /** Minimum gap between this device's announcements so the fleet as a whole stays near its presence budget. */
  fleetSpacingMs(): number {
    const rate = this.timing.fleetRatePerS;
    if (!rate || rate <= 0) return 0;
    const spacing = ((this.peers.size + 1) * 1000) / rate;
    return Math.min(spacing, this.timing.maxSpacingMs ?? Number.POSITIVE_INFINITY);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const base = Date.now() < this.burstUntil ? this.timing.burstIntervalMs : this.timing.intervalMs;
    const delay = Math.max(base, this.fleetSpacingMs());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.announce();
      if (this.running) this.schedule();
    }, delay);
    this.timer.unref?.();
  }

  /** Stops timers and publishes the departure doc. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    try {
      this.conn.publish(
        subjects.presence(this.tenant, this.deviceId),
        JSON.stringify({ device_id: this.deviceId, tenant: this.tenant, departing: true, ts: epochSeconds() }),
      );
    } catch (err) {
      this.onError(err);
    }
  }
}
