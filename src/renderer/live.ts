/**
 * Age and staleness of live data, the one rule every live view uses. A view of pushed data (pose, IMU, lease, fleet)
 * must never look live when the pushes behind it stopped: it shows how old its data is, and past `STALE_AFTER_MS`
 * without a new sample — or at once when a known cause says no new data can come (host link down, driver stopped,
 * daemon link lost) — it is greyed out with the reason in words.
 *
 * Ages are measured on this page's own clock, from the moment a sample arrived here: the robot's and the host's
 * clocks may differ from the operator's machine, so their timestamps are never compared with `Date.now()`.
 */

/** A 20 Hz stream that is silent for this long has missed ~20 samples: it is no longer live. */
export const STALE_AFTER_MS = 1000;

export interface Freshness {
  /** ms since the newest sample arrived in this page; null when none has arrived yet. */
  ageMs: number | null;
  stale: boolean;
  /** Why the data is not live, in words; null when live. */
  reason: string | null;
}

export interface FreshnessInput {
  now: number;
  /** Page-clock time the newest sample arrived, or null before the first. */
  receivedAt: number | null;
  /** What the samples are, for the reason ("state from reachy-mini-1"). */
  what: string;
  staleAfterMs?: number;
  /** Known causes, most fundamental first: the first non-empty string makes the data stale whatever its age. */
  causes?: ReadonlyArray<string | null | undefined | false>;
}

export const LIVE: Freshness = { ageMs: 0, stale: false, reason: null };

export function freshness(i: FreshnessInput): Freshness {
  const ageMs = i.receivedAt === null ? null : Math.max(0, i.now - i.receivedAt);
  const cause = i.causes?.find((c): c is string => typeof c === 'string' && c !== '');
  if (cause) return { ageMs, stale: true, reason: cause };
  if (ageMs === null) return { ageMs, stale: true, reason: `no ${i.what} yet` };
  // The badge shows the age next to the reason, so the reason does not repeat it.
  if (ageMs > (i.staleAfterMs ?? STALE_AFTER_MS)) return { ageMs, stale: true, reason: `no new ${i.what}` };
  return { ageMs, stale: false, reason: null };
}

/** "0.4 s", "12 s", "3 min", "2 h": precise while it matters, short when it does not. */
export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.floor(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

/** The badge text: "live · 0.1 s old" or "STALE · 3.2 s old — no new state from reachy-mini-1". */
export function freshnessText(f: Freshness): string {
  const age = f.ageMs === null ? 'no data' : `${formatAge(f.ageMs)} old`;
  return f.stale ? `STALE · ${age}${f.reason ? ` — ${f.reason}` : ''}` : `live · ${age}`;
}

/** The console's view of the world that can explain why a device's stream went quiet. */
export interface StreamContext {
  /** Link to the console host (the WebSocket in browser mode). */
  link: 'connecting' | 'open' | 'closed';
  linkReason?: string;
  mesh: { status: string; error?: string } | null;
  /** The bundled driver: whether it runs, and the device id it last published as. */
  driver: { running: boolean; deviceId: string | null } | null;
}

/** Causes, most fundamental first, that stop `deviceId`'s pushes from being live whatever their age. */
export function streamCauses(ctx: StreamContext, deviceId: string): string[] {
  const out: string[] = [];
  if (ctx.link !== 'open') out.push(ctx.linkReason ?? 'no connection to the console host');
  if (ctx.mesh && ctx.mesh.status !== 'connected') out.push(`the mesh is ${ctx.mesh.status}${ctx.mesh.error ? `: ${ctx.mesh.error}` : ''}`);
  if (ctx.driver && !ctx.driver.running && ctx.driver.deviceId === deviceId) out.push(`the driver of ${deviceId} is stopped`);
  return out;
}

/**
 * The observed robot (pose, joints, IMU) comes from the daemon through the driver: while the driver's daemon link is
 * down its pushes keep coming but repeat the last reading, so that data is not live.
 */
export function daemonCause(link: string | null): string | null {
  return link && link !== 'connected' ? `the driver has no link to the robot daemon (${link})` : null;
}
