/** Ownership (new in this driver): acquire_lease, release_lease, reset_interlock. */
import { z } from 'zod';
import { LIMITS } from '../../shared/reachy';
import type { DeviceFunction } from '../mesh';
import { declare, type DriverContext } from './context';
import { checkRange, ownerParam, rangedNumber } from './limits';

const LEASE_RANGE = { min: 0.1, max: LIMITS.leaseMaxS };

export function ownershipFunctions(ctx: DriverContext): DeviceFunction[] {
  const { mirror, motion, daemon, logger, emit } = ctx;
  return [
    declare({
      name: 'acquire_lease',
      description:
        `Take the motion lease for ttl_s seconds (${LEASE_RANGE.min}-${LEASE_RANGE.max}, default ${LIMITS.leaseDefaultS}); ` +
        'while it is live only this owner may move the robot (each motion command of the holder renews it). Refused ' +
        'when another owner holds it, unless preempt=true (operator takeover, logged). ' +
        'Returns {status:"success", owner, ttl_s, lease_expires_at (epoch s), preempted}.',
      params: z
        .object({
          owner: ownerParam(),
          ttl_s: rangedNumber('ttl_s', LEASE_RANGE, 'Lease length in seconds', LIMITS.leaseDefaultS),
          preempt: z
            .boolean({ error: 'preempt must be true or false' })
            .default(false)
            .describe('Take the lease even if another owner holds it (operator override)'),
        })
        .strict(),
      handler: (p) => {
        const { lease, preempted } = motion.guard(() => {
          checkRange('ttl_s', p.ttl_s, LEASE_RANGE);
          return mirror.lease.acquire(p.owner, p.ttl_s, p.preempt);
        });
        if (preempted) {
          const left = ((preempted.expiresAt - Date.now()) / 1000).toFixed(1);
          logger.warn(`lease preempted: '${p.owner}' took the lease from '${preempted.owner}' (${left} s were left)`);
        } else {
          logger.info(`lease acquired by '${p.owner}' for ${p.ttl_s} s`);
        }
        mirror.touch();
        return {
          status: 'success',
          owner: lease.owner,
          ttl_s: lease.ttlS,
          lease_expires_at: lease.expiresAt / 1000,
          preempted: preempted ? preempted.owner : null,
        };
      },
    }),
    declare({
      name: 'release_lease',
      description:
        'Give the motion lease back so other owners may move the robot. Only the holder may release it. ' +
        'Returns {status:"success", released: true|false (false when no lease was live)}.',
      params: z.object({ owner: ownerParam() }).strict(),
      handler: (p) => {
        const released = motion.guard(() => mirror.lease.release(p.owner));
        if (released) logger.info(`lease released by '${p.owner}'`);
        return { status: 'success', released, owner: p.owner };
      },
    }),
    declare({
      name: 'reset_interlock',
      description:
        'Clear a tripped safety interlock (after a daemon disconnect or an emergency stop) so motion is allowed ' +
        'again. Only possible while the robot daemon link is up. Give a short reason; it is logged and published ' +
        'in a safety_event. Returns {status:"success", interlock_state:"safe", was: the trip that was cleared or null}.',
      params: z
        .object({
          owner: ownerParam('operator'),
          reason: z
            .string({ error: 'reason must be a string' })
            .min(1, { error: 'reason must not be empty' })
            .max(200, { error: 'reason must be at most 200 characters' })
            .describe('Why it is safe to move again (logged)'),
        })
        .strict(),
      handler: (p) => {
        const link = daemon.connection();
        const was = motion.guard(() => mirror.interlock.reset(link.status === 'connected', link.error));
        if (was) {
          logger.warn(`interlock reset by '${p.owner}': ${p.reason} (was: ${was.reason}, source ${was.source})`);
          emit('safety_event', {
            kind: 'interlock_reset',
            state: 'safe',
            reason: p.reason,
            source: 'operator',
            owner: p.owner,
            cleared: was.reason,
          });
        }
        mirror.touch();
        return {
          status: 'success',
          interlock_state: mirror.interlock.state(),
          was: was ? { reason: was.reason, source: was.source, ts: was.ts / 1000 } : null,
        };
      },
    }),
  ];
}
