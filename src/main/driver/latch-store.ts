/**
 * The record of interlock trips that are still latched, per device id and per robot, kept in a data directory so a
 * trip survives driver restarts (a settings change in the robot app, a mesh switch, a restart of the console or of
 * the app) until reset_interlock clears it on the driver. The console, the robot app and the headless driver each
 * keep one (docs/SAFETY.md "A trip stays latched"). Writes are atomic (temp file + rename). A record that cannot be
 * read fails safe: every driver started with it comes up tripped until it is reset, and the unreadable file is kept
 * aside.
 */
import { errorMessage } from '../../shared/errors';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { TripInfo } from './interlock';
import type { ReachyDriver } from './driver';
import type { Logger } from '../log';

const tripSchema = z.object({
  reason: z.string().max(4096),
  source: z.enum(['daemon', 'mesh', 'operator', 'driver']),
  from_device: z.string().max(255).optional(),
  ts: z.number(),
  /** The robot the driver served ('sim' or host:port): a new device id for the same robot inherits the trip. */
  target: z.string().max(300).optional(),
});
type Latched = z.infer<typeof tripSchema>;
const fileSchema = z.object({ version: z.literal(1), latched: z.record(z.string(), tripSchema) });

export const LATCH_FILE = 'interlock-latch.json';

/** `<path>.unreadable-<UTC time>` (with a counter when that name is taken): where an unreadable file is kept. */
export function asideName(path: string, d = new Date()): string {
  const base = `${path}.unreadable-${d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  let name = base;
  for (let i = 2; existsSync(name); i++) name = `${base}-${i}`;
  return name;
}

export class LatchStore {
  readonly path: string;
  private readonly latched = new Map<string, Latched>();
  /** Set when the stored record could not be read: devices not reset since then start tripped. */
  private unreadable: TripInfo | null = null;
  private readonly resetSinceUnreadable = new Set<string>();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.path = join(dataDir, LATCH_FILE);
    this.load();
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    try {
      const doc = fileSchema.parse(JSON.parse(readFileSync(this.path, 'utf8')));
      for (const [id, t] of Object.entries(doc.latched)) this.latched.set(id, t);
    } catch (err) {
      const why = err instanceof z.ZodError ? (err.issues[0]?.message ?? 'invalid') : errorMessage(err);
      const kept = asideName(this.path);
      let keptNote = `kept as ${kept}`;
      try {
        renameSync(this.path, kept);
      } catch (e) {
        keptNote = `could not be moved aside (${errorMessage(e)})`;
      }
      this.unreadable = { reason: `the stored interlock latch ${this.path} could not be read (${why})`, source: 'driver', ts: Date.now() };
      this.logger.error(`${this.unreadable.reason}; it was ${keptNote}. Every driver started from here comes up tripped until it is reset.`);
    }
  }

  /** Whether a trip is recorded for this device id or this robot (no fail-safe side effect, unlike get). */
  isLatched(deviceId: string, target: string): boolean {
    return this.latched.has(deviceId) || [...this.latched.values()].some((x) => x.target === target);
  }

  /** The trip a driver for this device id or this robot must start with, if one is latched. */
  get(deviceId: string, target: string): TripInfo | undefined {
    const t = this.latched.get(deviceId) ?? [...this.latched.values()].find((x) => x.target === target);
    if (t) return { reason: t.reason, source: t.source, ts: t.ts, ...(t.from_device ? { from_device: t.from_device } : {}) };
    if (this.unreadable && !this.resetSinceUnreadable.has(deviceId)) {
      // Recorded now, so the latch has one stable cause from here on.
      this.latched.set(deviceId, { ...this.unreadable, target });
      this.save();
      return { ...this.unreadable };
    }
    return undefined;
  }

  /**
   * The driver's interlock as it is now: a trip is latched (its first cause kept); `null` means it was reset, which
   * clears the latch of that device id and of that robot.
   */
  note(deviceId: string, target: string, trip: TripInfo | null): void {
    if (trip) {
      if (this.isLatched(deviceId, target)) return;
      this.latched.set(deviceId, { reason: trip.reason, source: trip.source, ts: trip.ts, target, ...(trip.from_device ? { from_device: trip.from_device } : {}) });
    } else {
      if (this.unreadable) this.resetSinceUnreadable.add(deviceId);
      const gone = [...this.latched].filter(([id, x]) => id === deviceId || x.target === target).map(([id]) => id);
      if (gone.length === 0) return;
      for (const id of gone) this.latched.delete(id);
      this.logger.info(`interlock latch of ${deviceId} cleared (reset_interlock on the driver)`);
    }
    this.save();
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, latched: Object.fromEntries(this.latched) }, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (err) {
      // The latch still holds in this process; only a restart of this process would lose it.
      this.logger.error(`could not record the interlock latch in ${this.path}: ${errorMessage(err)}`);
    }
  }
}

/** Calls `cb` on each interlock transition of `driver` (a trip, another cause, a reset); not on other state changes. */
function onInterlockTransition(driver: ReachyDriver, cb: (trip: TripInfo | null) => void): () => void {
  const interlock = driver.mirror.interlock;
  const key = (t: TripInfo | null): string => (t ? `${t.ts}|${t.source}|${t.reason}` : '');
  let last = key(interlock.info());
  // The mirror reports every change (trips, resets, lease, moves); pass on only interlock transitions.
  return driver.mirror.onChange(() => {
    const t = interlock.info();
    const k = key(t);
    if (k === last) return;
    last = k;
    cb(t);
  });
}

/**
 * Records `driver`'s interlock in `store` now and at every transition (a trip keeps its first cause; a reset clears
 * it). The returned function stops listening after recording the state at that moment: call it before stopping the
 * driver, so its shutdown is not taken for a reset.
 */
export function keepLatched(store: LatchStore, driver: ReachyDriver, target: string): () => void {
  const note = (t: TripInfo | null): void => store.note(driver.deviceId, target, t);
  note(driver.mirror.interlock.info());
  const off = onInterlockTransition(driver, note);
  return () => {
    off();
    note(driver.mirror.interlock.info());
  };
}

/** The robot a latch is recorded for: 'sim' for a simulator, else host:port, so a new device id inherits it. */
export function latchTarget(target: { kind: 'sim' | 'host'; host: string; port: number }): string {
  return target.kind === 'sim' ? 'sim' : `${target.host}:${target.port}`;
}
