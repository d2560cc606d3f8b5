/**
 * The safety interlock (docs/SAFETY.md): `safe`, or `tripped` with the reason, the source and when. Trips on daemon link
 * loss, on any message on a mesh-wide `emergency_stop` subject (malformed ones included: fail safe) and on the
 * console's E-STOP (which emits that same event). While tripped, motion is refused (stop_motion still works) until
 * reset_interlock, which needs the daemon link up.
 */
import { clipText, STORED_TEXT_MAX_CHARS } from '../../shared/bounded';
import { DriverRefusal } from './limits';

export type TripSource = 'daemon' | 'mesh' | 'operator' | 'driver';

export interface TripInfo {
  reason: string;
  source: TripSource;
  /** Emitting device for mesh trips. */
  from_device?: string;
  /** ms epoch */
  ts: number;
}

export interface InterlockSnapshot {
  interlock_state: 'safe' | 'tripped';
  interlock_reason: string | null;
  interlock_source: TripSource | null;
  interlock_since: number | null;
  interlock_from_device: string | null;
}

export class Interlock {
  private trip_: TripInfo | null = null;
  private readonly listeners = new Set<(t: TripInfo) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  state(): 'safe' | 'tripped' {
    return this.trip_ ? 'tripped' : 'safe';
  }

  info(): TripInfo | null {
    return this.trip_ ? { ...this.trip_ } : null;
  }

  /**
   * Trips (or re-trips with a new reason). Every trip is reported to listeners, so each cause yields one
   * safety_event; the first cause is kept as the state's reason unless `replace` is set.
   */
  trip(reason: string, source: TripSource, fromDevice?: string): TripInfo {
    // Reasons and device ids may come from any caller on the mesh: bounded before they are stored, published in
    // every state_event and logged.
    const t: TripInfo = {
      reason: clipText(String(reason), STORED_TEXT_MAX_CHARS),
      source,
      ts: this.now(),
      ...(fromDevice ? { from_device: clipText(String(fromDevice), STORED_TEXT_MAX_CHARS) } : {}),
    };
    if (!this.trip_) this.trip_ = t;
    for (const l of this.listeners) l(t);
    return t;
  }

  /** Clears the interlock; `linkUp` is the daemon link state (reset is refused while it is down). */
  reset(linkUp: boolean, linkError?: string): TripInfo | null {
    if (!linkUp) {
      throw new DriverRefusal(
        'interlock',
        `reset_interlock refused: the daemon link is down${linkError ? ` (${linkError})` : ''}; ` +
          'reset is possible once the robot daemon is reachable again',
      );
    }
    const was = this.trip_;
    this.trip_ = null;
    return was;
  }

  /** Throws DriverRefusal('interlock') while tripped. */
  assertSafe(what: string): void {
    const t = this.trip_;
    if (!t) return;
    throw new DriverRefusal(
      'interlock',
      `${what} refused: safety interlock tripped (${t.reason}; source ${t.source}` +
        `${t.from_device ? ` ${t.from_device}` : ''}, at ${new Date(t.ts).toISOString()}). ` +
        'stop_motion still works; call reset_interlock(owner, reason) once it is safe',
    );
  }

  onTrip(cb: (t: TripInfo) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  snapshot(): InterlockSnapshot {
    const t = this.trip_;
    return {
      interlock_state: t ? 'tripped' : 'safe',
      interlock_reason: t?.reason ?? null,
      interlock_source: t?.source ?? null,
      interlock_since: t ? t.ts / 1000 : null,
      interlock_from_device: t?.from_device ?? null,
    };
  }
}
