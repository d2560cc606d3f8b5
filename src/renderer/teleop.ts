/**
 * What a teleop control shows: the outcome of each command in words (accepted, refused with the reason, failed),
 * and why a control cannot work right now (it is then disabled with that reason rather than failing silently).
 */
import type { InvokeOutcome } from '../shared/console-api';
import type { Freshness } from './live';

export interface Outcome {
  kind: 'accepted' | 'refused' | 'failed';
  text: string;
}

/** An invoke outcome in words. A realtime target dropped by a stop counts as refused (it never moved the robot). */
export function outcomeOf(fn: string, o: InvokeOutcome): Outcome {
  if (!o.ok) return { kind: 'refused', text: `${fn}: ${o.error.message}` };
  const r = o.result as { status?: unknown; reason?: unknown } | null;
  if (r && typeof r === 'object' && r.status === 'cancelled') return { kind: 'refused', text: `${fn}: ${typeof r.reason === 'string' ? r.reason : 'cancelled'}` };
  // A move waited for ends 'completed'; 'failed' or 'timeout' did not get where it was sent.
  if (r && typeof r === 'object' && (r.status === 'failed' || r.status === 'timeout')) {
    return { kind: 'failed', text: `${fn}: move ${r.status}${typeof (r as { details?: unknown }).details === 'string' ? ` (${(r as { details: string }).details})` : ''}` };
  }
  return { kind: 'accepted', text: `${fn} accepted (${o.elapsedMs.toFixed(0)} ms)` };
}

export interface BlockInput {
  deviceId: string | null;
  live: Freshness;
  interlock: string | null;
  interlockReason: string | null;
}

/**
 * `any`: why no command to the robot can work (no robot, no link, driver stopped); `motion`: why motion cannot
 * (those, or a tripped interlock). Null when it can. A plain stale stream (slow pushes) does not block: the command
 * path may still work, and its outcome will say.
 */
export function controlBlock(i: BlockInput): { any: string | null; motion: string | null } {
  if (!i.deviceId) return { any: 'no robot selected', motion: 'no robot selected' };
  const hard = i.live.stale && i.live.reason && !/^no new /.test(i.live.reason) && !/^no state/.test(i.live.reason) ? i.live.reason : null;
  if (hard) return { any: hard, motion: hard };
  if (i.interlock === 'tripped') {
    const why = `the interlock is tripped${i.interlockReason ? ` (${i.interlockReason})` : ''}; reset it in Ownership & safety`;
    return { any: null, motion: why };
  }
  return { any: null, motion: null };
}
