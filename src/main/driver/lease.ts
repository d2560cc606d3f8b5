/**
 * The motion lease (docs/SAFETY.md, enforced — the prior driver's was advisory). One holder at a time; each motion command
 * of the holder renews it; another owner is refused while it is live, naming the holder and the time left.
 * Owner strings are caller-asserted labels, not identities (SECURITY.md): the lease arbitrates cooperative callers.
 */
import { LIMITS } from '../../shared/reachy';
import { DriverRefusal } from './limits';

export interface LeaseInfo {
  owner: string;
  /** ms epoch */
  expiresAt: number;
  ttlS: number;
}

export interface LeaseSnapshot {
  command_owner: string | null;
  /** epoch seconds, as the prior driver's snapshot. */
  lease_expires_at: number | null;
  lease_active: boolean;
  lease_remaining_s: number;
  lease_ttl_s: number | null;
}

export type Clock = () => number;

export class LeaseTable {
  private lease: LeaseInfo | null = null;
  /** Last owner that commanded, kept after the lease expires (the mirror's `command_owner`). */
  private lastOwner: string | null = null;

  constructor(
    private readonly now: Clock = Date.now,
    readonly defaultTtlS: number = LIMITS.leaseDefaultS,
  ) {}

  /** The live lease, or null when none / expired. */
  current(): LeaseInfo | null {
    if (this.lease && this.lease.expiresAt <= this.now()) this.lease = null;
    return this.lease;
  }

  holder(): string | null {
    return this.current()?.owner ?? null;
  }

  remainingS(): number {
    const l = this.current();
    return l ? Math.max(0, (l.expiresAt - this.now()) / 1000) : 0;
  }

  private refusal(l: LeaseInfo, owner: string, what: string): DriverRefusal {
    const left = ((l.expiresAt - this.now()) / 1000).toFixed(1);
    return new DriverRefusal(
      'lease',
      `${what} refused for owner '${owner}': the lease is held by '${l.owner}' for another ${left} s ` +
        `(wait, ask '${l.owner}' to call release_lease, or call acquire_lease with preempt=true)`,
    );
  }

  /** Throws DriverRefusal('lease') when another owner holds a live lease. Changes nothing. */
  check(owner: string, what = 'motion'): void {
    const l = this.current();
    if (l && l.owner !== owner) throw this.refusal(l, owner, what);
  }

  /** Check, then take or renew the lease for `owner` (a motion command). Keeps the holder's own ttl on renewal. */
  claim(owner: string, what = 'motion'): LeaseInfo {
    this.check(owner, what);
    const ttlS = this.lease && this.lease.owner === owner ? this.lease.ttlS : this.defaultTtlS;
    return this.set(owner, ttlS);
  }

  /**
   * acquire_lease: takes the lease for `ttlS` seconds. With `preempt` it takes it from a live holder; the displaced
   * owner is returned so the caller can log it.
   */
  acquire(owner: string, ttlS: number, preempt: boolean): { lease: LeaseInfo; preempted: LeaseInfo | null } {
    const l = this.current();
    let preempted: LeaseInfo | null = null;
    if (l && l.owner !== owner) {
      if (!preempt) throw this.refusal(l, owner, 'acquire_lease');
      preempted = { ...l };
    }
    return { lease: this.set(owner, ttlS), preempted };
  }

  /** release_lease: only the holder may release a live lease. Returns whether a lease was released. */
  release(owner: string): boolean {
    const l = this.current();
    if (!l) return false;
    if (l.owner !== owner) throw this.refusal(l, owner, 'release_lease');
    this.lease = null;
    return true;
  }

  private set(owner: string, ttlS: number): LeaseInfo {
    this.lease = { owner, ttlS, expiresAt: this.now() + ttlS * 1000 };
    this.lastOwner = owner;
    return { ...this.lease };
  }

  snapshot(): LeaseSnapshot {
    const l = this.current();
    return {
      command_owner: l?.owner ?? this.lastOwner,
      lease_expires_at: l ? l.expiresAt / 1000 : null,
      lease_active: l !== null,
      lease_remaining_s: l ? Math.round(Math.max(0, l.expiresAt - this.now())) / 1000 : 0,
      lease_ttl_s: l?.ttlS ?? null,
    };
  }
}
