/**
 * The driver's state mirror (docs/SAFETY.md; docs/PRIOR-ART.md §B.4 field names kept, completion tracking and enforcement added):
 * owner and lease, interlock, target pose, observed state, execution status (`idle` | `moving` | `error`, tracked from
 * the daemon's move completion), last error, media flags and the daemon link. `get_status.driver_state` and
 * `state_event` show `snapshot()`; the Device Connect `status.availability` derives from it.
 */
import type { JsonObject } from '../../shared/wire';
import type { DaemonClient, MoveOutcome, RobotState } from '../reachy';
import type { DriverStateAccess, MediaStatePatch } from './function-group';
import { Interlock, type InterlockSnapshot } from './interlock';
import { LeaseTable, type LeaseSnapshot } from './lease';
import { observedView, type ObservedView } from './pose';

export type ExecutionState = 'idle' | 'moving' | 'error';
export type Availability = 'idle' | 'busy' | 'error';

export interface ActiveMove {
  uuid: string;
  kind: string;
  /** ms epoch */
  started_at: number;
  duration_s: number | null;
}

type SnapshotHead = { device_id: string } & LeaseSnapshot & {
  execution_state: ExecutionState;
  asleep: boolean;
  active_move: ActiveMove | null;
  last_move: (MoveOutcome & { kind: string; finished_at: number }) | null;
} & InterlockSnapshot & { availability: Availability; target_pose: JsonObject | null };

type SnapshotTail = {
  daemon_link: { status: string; transport: string; since: number; attempts: number; error: string | null };
} & MediaStatePatch & { last_error: string | null; last_error_kind: string | null; last_error_at: number | null };

export interface StateMirrorOptions {
  deviceId: string;
  daemon: DaemonClient;
  now?: () => number;
  leaseDefaultS?: number;
}

export class StateMirror implements DriverStateAccess {
  readonly lease: LeaseTable;
  readonly interlock: Interlock;
  private readonly now: () => number;
  private execution: ExecutionState = 'idle';
  private activeMove: ActiveMove | null = null;
  private lastMove: (MoveOutcome & { kind: string; finished_at: number }) | null = null;
  private target: JsonObject | null = null;
  private lastError: { message: string; kind: string; ts: number } | null = null;
  private media: MediaStatePatch = { media_ready: false };
  /** After a completed goto_sleep the daemon (≥ 1.9) leaves the motors limp until wake_up. */
  private asleep = false;
  private readonly listeners = new Set<() => void>();
  private lastAvailability: Availability;

  constructor(private readonly opts: StateMirrorOptions) {
    this.now = opts.now ?? Date.now;
    this.lease = new LeaseTable(this.now, opts.leaseDefaultS);
    this.interlock = new Interlock(this.now);
    this.lastAvailability = this.availability();
    this.interlock.onTrip(() => this.changed());
  }

  isAsleep(): boolean {
    return this.asleep;
  }

  executionState(): ExecutionState {
    return this.execution;
  }

  currentMove(): ActiveMove | null {
    return this.activeMove ? { ...this.activeMove } : null;
  }

  /** A new target was sent; `move` when it is an interpolated move (execution `moving` until it completes). */
  commanded(target: JsonObject, move?: { uuid: string; kind: string; durationS: number | null }): void {
    this.target = target;
    if (this.execution === 'error') this.lastError = null;
    if (move?.kind === 'wake_up') this.asleep = false;
    if (move) {
      this.activeMove = { uuid: move.uuid, kind: move.kind, started_at: this.now(), duration_s: move.durationS };
      this.execution = 'moving';
    } else if (!this.activeMove) {
      this.execution = 'idle';
    }
    this.changed();
  }

  /** The daemon reported the end of a move; only the current move changes the execution state. */
  moveFinished(outcome: MoveOutcome, kind: string): void {
    this.lastMove = { ...outcome, kind, finished_at: this.now() };
    if (kind === 'goto_sleep' && outcome.status === 'completed') this.asleep = true;
    if (!this.activeMove || this.activeMove.uuid !== outcome.uuid) return;
    this.activeMove = null;
    if (outcome.status === 'failed') {
      this.execution = 'error';
      this.lastError = { message: `${kind} failed: ${outcome.details || 'no details'}`, kind: 'daemon', ts: this.now() };
    } else {
      this.execution = 'idle';
    }
    this.changed();
  }

  /** stop_motion / trip: whatever ran is over. */
  stopped(): void {
    this.activeMove = null;
    if (this.execution === 'moving') this.execution = 'idle';
    this.changed();
  }

  /** A refused or failed command (`kind` 'daemon' puts execution in `error`; refusals only record the message). */
  recordError(message: string, kind: string): void {
    this.lastError = { message, kind, ts: this.now() };
    if (kind === 'daemon') this.execution = 'error';
    this.changed();
  }

  setError(message: string): void {
    this.recordError(message, 'daemon');
  }

  updateMedia(patch: MediaStatePatch): void {
    this.media = { ...this.media, ...patch };
    this.changed();
  }

  availability(): Availability {
    if (this.interlock.state() === 'tripped' || this.execution === 'error') return 'error';
    if (this.opts.daemon.connection().status !== 'connected') return 'error';
    return this.execution === 'moving' ? 'busy' : 'idle';
  }

  /** Device Connect status document (status.availability derived from the mirror). */
  deviceStatus(): JsonObject {
    const a = this.availability();
    const t = this.interlock.info();
    const link = this.opts.daemon.connection();
    return {
      availability: a,
      busy_score: a === 'busy' ? 1 : 0,
      online: true,
      ...(a === 'error'
        ? {
            error_state: t
              ? `interlock tripped: ${t.reason}`
              : link.status !== 'connected'
                ? `daemon link ${link.status}${link.error ? `: ${link.error}` : ''}`
                : (this.lastError?.message ?? 'error'),
          }
        : {}),
    };
  }

  /** Fires when the snapshot changed in a way that matters to availability / live views. */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Returns true when availability changed since the last call (the runtime then re-announces status). */
  availabilityChanged(): boolean {
    const a = this.availability();
    if (a === this.lastAvailability) return false;
    this.lastAvailability = a;
    return true;
  }

  /** Something outside the mirror changed (daemon link, lease) that live views and availability depend on. */
  touch(): void {
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  snapshot(): JsonObject {
    return this.snapshotParts().value;
  }

  /**
   * `snapshot()` and its JSON text, for get_status: the observed pose (most of the numbers) is converted and
   * serialised once per stream sample, everything else is read afresh on every call.
   */
  snapshotWithJson(): { value: JsonObject; json: string } {
    const { value, head, pose, tail } = this.snapshotParts();
    // The halves change far less often than get_status is called (the lease countdown, a trip, a move, a link
    // change): each one's text is kept while every value it is made of is the same (objects compared by identity:
    // the mirror replaces them, never edits them in place).
    const headKey = [
      head.command_owner, head.lease_expires_at, head.lease_active, head.lease_remaining_s, head.lease_ttl_s,
      head.execution_state, head.asleep, this.activeMove, this.lastMove, head.interlock_state, head.interlock_reason,
      head.interlock_source, head.interlock_since, head.interlock_from_device, head.availability, this.target,
    ];
    const c = this.opts.daemon.connection();
    const tailKey = [c.status, c.transport, c.since, c.attempts, c.error, this.media, this.lastError];
    if (!this.headText || !sameValues(this.headText.key, headKey)) this.headText = { key: headKey, json: JSON.stringify(head).slice(0, -1) };
    if (!this.tailText || !sameValues(this.tailText.key, tailKey)) this.tailText = { key: tailKey, json: JSON.stringify(tail).slice(1) };
    // Both halves always have keys (device_id, daemon_link), so the splice is `{head,"current_pose":…,tail}`.
    const json = this.headText.json + ',"current_pose":' + (pose ? pose.json : 'null') + ',' + this.tailText.json;
    return { value, json };
  }

  private headText: { key: unknown[]; json: string } | null = null;
  private tailText: { key: unknown[]; json: string } | null = null;

  /** The view of the latest stream sample (frozen: shared by every read until the next sample) and its JSON. */
  observedPose(): { view: ObservedView; json: string } | null {
    const s = this.opts.daemon.latestState();
    if (!s) return null;
    if (this.pose?.state !== s) {
      const view = deepFreeze(observedView(s));
      this.pose = { state: s, view, json: JSON.stringify(view) };
    }
    return this.pose;
  }

  private pose: { state: RobotState; view: ObservedView; json: string } | null = null;

  /**
   * The snapshot, and the parts before and after `current_pose` for snapshotWithJson. Written out key by key (one
   * literal each, no spread of a built object): V8 keeps such objects in fast mode, and they build and serialise
   * several times faster. The types make every lease and interlock field required.
   */
  private snapshotParts(): { value: JsonObject; head: JsonObject; pose: { view: ObservedView; json: string } | null; tail: JsonObject } {
    const l = this.lease.snapshot();
    const i = this.interlock.snapshot();
    const link = this.opts.daemon.connection();
    const pose = this.observedPose();
    const activeMove = this.activeMove ? { ...this.activeMove } : null;
    const lastMove = this.lastMove ? { ...this.lastMove } : null;
    const availability = this.availability();
    const daemonLink = { status: link.status, transport: link.transport, since: link.since, attempts: link.attempts, error: link.error ?? null };
    const lastError = this.lastError;
    const value: SnapshotHead & { current_pose: ObservedView | null } & SnapshotTail = {
      device_id: this.opts.deviceId,
      command_owner: l.command_owner,
      lease_expires_at: l.lease_expires_at,
      lease_active: l.lease_active,
      lease_remaining_s: l.lease_remaining_s,
      lease_ttl_s: l.lease_ttl_s,
      execution_state: this.execution,
      asleep: this.asleep,
      active_move: activeMove,
      last_move: lastMove,
      interlock_state: i.interlock_state,
      interlock_reason: i.interlock_reason,
      interlock_source: i.interlock_source,
      interlock_since: i.interlock_since,
      interlock_from_device: i.interlock_from_device,
      availability,
      target_pose: this.target,
      current_pose: pose ? pose.view : null,
      daemon_link: daemonLink,
      ...this.media,
      last_error: lastError?.message ?? null,
      last_error_kind: lastError?.kind ?? null,
      last_error_at: lastError ? lastError.ts / 1000 : null,
    };
    const head: SnapshotHead = {
      device_id: value.device_id,
      command_owner: l.command_owner,
      lease_expires_at: l.lease_expires_at,
      lease_active: l.lease_active,
      lease_remaining_s: l.lease_remaining_s,
      lease_ttl_s: l.lease_ttl_s,
      execution_state: value.execution_state,
      asleep: value.asleep,
      active_move: activeMove,
      last_move: lastMove,
      interlock_state: i.interlock_state,
      interlock_reason: i.interlock_reason,
      interlock_source: i.interlock_source,
      interlock_since: i.interlock_since,
      interlock_from_device: i.interlock_from_device,
      availability,
      target_pose: value.target_pose,
    };
    const tail: SnapshotTail = {
      daemon_link: daemonLink,
      ...this.media,
      last_error: value.last_error,
      last_error_kind: value.last_error_kind,
      last_error_at: value.last_error_at,
    };
    return { value: value as unknown as JsonObject, head: head as unknown as JsonObject, pose, tail: tail as unknown as JsonObject };
  }

}

function sameValues(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
