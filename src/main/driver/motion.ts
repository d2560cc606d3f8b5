/**
 * Sends motion to the daemon for the driver's functions: the common admission checks (interlock, daemon link, lease),
 * the final limit gate, realtime targets through the 60 Hz coalescer, interpolated moves with completion tracked into
 * the state mirror, and stop.
 *
 * Every head or body command is sent as a full pair (head pose AND body yaw): what the command gives, plus what the
 * driver last commanded for the other part (`held`). So the pair the daemon holds is always one the gate checked,
 * whatever is still in flight, and the daemon's automatic body-yaw rule never has anything to alter. Commands are
 * planned one at a time (a lock), so a command is always checked against everything accepted before it. A move
 * that is running when a new command arrives is preempted (stopped first): the newest command wins, as with realtime
 * targets; a move is reported completed only when the daemon says so AND the observed pose reached its target.
 * See docs/SAFETY.md.
 */
import { errorMessage } from '../../shared/errors';
import type { JsonObject } from '../../shared/wire';
import { LIMITS } from '../../shared/reachy';
import type { Logger } from '../log';
import {
  distanceBetweenPoses,
  INIT_ANTENNAS,
  INIT_HEAD_POSE,
  SLEEP_HEAD_POSE,
  type Mat4,
} from '../reachy';
import type { DaemonClient, GotoRequest, MoveHandle, MoveOutcome, RealtimeTarget, RobotState } from '../reachy';
import { RealtimeCoalescer, type CoalesceOutcome } from './coalescer';
import { assertSafePath, assertSafeTarget } from './gate';
import { DriverRefusal } from './limits';
import type { StateMirror } from './state-mirror';

const DEG = 180 / Math.PI;
/** How long one motion command waits for the daemon's start sequence before it is refused (ms). */
const STARTUP_WAIT_MS = 5_000;
/** How long the driver follows a daemon that stays "starting" (ms); afterwards commands go to it as they come. */
const STARTUP_FOLLOW_MS = 60_000;
const STARTUP_POLL_MS = 100;

export interface MotionOptions {
  daemon: DaemonClient;
  mirror: StateMirror;
  logger: Logger;
  maxHz?: number;
  /** How long after the daemon reports a move finished the observed pose may take to reach its target (ms). */
  settleMs?: number;
  /** Called after every target handed to the daemon (bench/test instrumentation). */
  onSent?: (target: RealtimeTarget) => void;
}

/** What a command is planned against: the pair the daemon holds or is moving to, and the observed state. */
export interface MotionBasis {
  /** World-frame head pose the robot holds or is moving to. */
  head: Mat4;
  /** rad; body yaw the robot holds or is moving to. */
  bodyYaw: number;
  observed: RobotState;
}

export interface MotionPlan {
  /** World-frame head pose; omitted = keep the basis head (sent explicitly when the body is given). */
  head?: Mat4;
  /** rad; omitted = keep the basis body yaw (sent explicitly when the head is given). */
  bodyYaw?: number;
  /** [right, left] rad */
  antennas?: [number, number];
  /** 0 = realtime target, > 0 = interpolated move. */
  durationS: number;
  record: JsonObject;
  /** What the caller can do when the head–body rule refuses. */
  hint?: string;
}

export type MotionResult =
  | { transport: 'realtime'; record: JsonObject; outcome: Promise<CoalesceOutcome> }
  | { transport: 'goto'; record: JsonObject; handle: MoveHandle };

/** Where a move must leave the robot, and how close counts as there. */
interface ReachTarget {
  head?: Mat4;
  bodyYaw?: number;
  antennas?: [number, number];
  /** Head tolerance as the daemon's "magic" distance (mm + deg); else 3° and 5 mm. */
  headMagic?: number;
}

interface ActiveMove {
  uuid: string;
  what: string;
  done: Promise<MoveOutcome>;
  /** Ends the wait for the observed pose early (preemption, stop). */
  abort: (details: string) => void;
}

const TOL = { headDeg: 3, headMm: 5, bodyDeg: 2, antennaDeg: 5 };

/** Why `st` is not at `t` (null when it is). */
export function reachGap(st: RobotState, t: ReachTarget): string | null {
  const gaps: string[] = [];
  if (t.bodyYaw !== undefined) {
    const d = Math.abs(st.bodyYaw - t.bodyYaw) * DEG;
    if (d > TOL.bodyDeg) gaps.push(`body ${(st.bodyYaw * DEG).toFixed(1)}° (target ${(t.bodyYaw * DEG).toFixed(1)}°)`);
  }
  if (t.head) {
    const d = distanceBetweenPoses(st.headPose, t.head);
    const far = t.headMagic !== undefined ? d.magic > t.headMagic : d.angle * DEG > TOL.headDeg || d.translation * 1000 > TOL.headMm;
    if (far) gaps.push(`head ${(d.angle * DEG).toFixed(1)}° and ${(d.translation * 1000).toFixed(1)} mm from its target`);
  }
  if (t.antennas) {
    const d = Math.max(Math.abs(st.antennas[0] - t.antennas[0]), Math.abs(st.antennas[1] - t.antennas[1])) * DEG;
    if (d > TOL.antennaDeg) gaps.push(`antennas ${d.toFixed(1)}° from their target`);
  }
  return gaps.length ? gaps.join(', ') : null;
}

export class MotionController {
  private readonly coalescer: RealtimeCoalescer<RealtimeTarget>;
  private readonly daemon: DaemonClient;
  private readonly mirror: StateMirror;
  private readonly log: Logger;
  private readonly settleMs: number;
  /** The head/body pair the daemon holds or is moving to because of this driver; null = unknown (use observed). */
  private held: { head: Mat4; bodyYaw: number } | null = null;
  /** ms epoch of the last send or move end that concerns `held`. */
  private heldAt = 0;
  /** Which command set `held` (a failed move only forgets the pair it set itself). */
  private heldSeq = 0;
  private seq = 0;
  private active: ActiveMove | null = null;
  /** Bumped by every stop: a command planned before it is not sent after it. */
  private epoch = 0;
  /** Realtime targets handed to the daemon so far (a stop's hold must not override a newer command). */
  private sends = 0;
  /** The realtime target this driver last gave the daemon (parts merged), until a stop holds or drops it. */
  private inFlight: RealtimeTarget | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  /**
   * Set while the daemon reports state "starting" (its start sequence, wake_up included, runs): a move sent then is
   * dropped by the daemon, so motion waits for the end of it. See docs/SAFETY.md "Daemon start-up".
   */
  private startup: Promise<void> | null = null;
  /** Wakes commands waiting for the start sequence (a stop or trip ends their wait). */
  private readonly startupWaiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly opts: MotionOptions) {
    this.daemon = opts.daemon;
    this.mirror = opts.mirror;
    this.log = opts.logger;
    this.settleMs = opts.settleMs ?? 3000;
    this.coalescer = new RealtimeCoalescer<RealtimeTarget>(
      async (t) => {
        // Re-checked at send time: a trip may have happened while the target waited for its slot.
        if (this.mirror.interlock.state() === 'tripped') throw new DriverRefusal('interlock', 'interlock tripped before the target was sent');
        this.sends++;
        this.inFlight = { ...this.inFlight, ...t };
        await this.daemon.setTarget(t);
        opts.onSent?.(t);
      },
      {
        maxHz: opts.maxHz ?? LIMITS.realtimeMaxHz,
        // A newer target replaces a waiting one; parts it does not give (antennas) are kept from the older one.
        merge: (older, newer) => ({ ...older, ...newer }),
      },
    );
  }

  get stats(): RealtimeCoalescer<RealtimeTarget>['stats'] {
    return this.coalescer.stats;
  }

  /**
   * Called when the daemon link comes up: asks the daemon's state once and, while it is "starting", follows it
   * (a status read every 100 ms) so that motion waits for its start sequence instead of being dropped by it.
   */
  watchDaemonStart(): void {
    if (this.startup || this.closed) return;
    const p: Promise<void> = this.followStartup().finally(() => {
      if (this.startup === p) this.startup = null;
      for (const w of this.startupWaiters) w();
    });
    this.startup = p;
  }

  private async followStartup(): Promise<void> {
    const deadline = Date.now() + STARTUP_FOLLOW_MS;
    let announced = false;
    while (!this.closed) {
      let state: string;
      try {
        state = (await withTimeout(this.daemon.daemonStatus(), 2000, 'daemon status did not answer within 2 s')).state;
      } catch (e) {
        // Unknown: the other admission checks (link, observed state) still apply, and the daemon answers moves itself.
        if (announced) this.log.warn(`daemon start-up: status unreadable (${errorMessage(e)}); motion no longer waits for it`);
        return;
      }
      if (state !== 'starting') {
        if (announced) this.log.info(`robot daemon ${state}: its start sequence is over, motion admitted`);
        return;
      }
      if (!announced) {
        announced = true;
        this.log.info('robot daemon still starting (its start sequence, e.g. wake_up, runs): motion waits for it');
      }
      if (Date.now() > deadline) {
        this.log.warn(`robot daemon still starting after ${STARTUP_FOLLOW_MS / 1000} s; motion no longer waits for it`);
        return;
      }
      await new Promise((r) => setTimeout(r, STARTUP_POLL_MS));
    }
  }

  /**
   * Waits for the daemon's start sequence (at most STARTUP_WAIT_MS; a stop or trip ends the wait early, and the
   * caller's epoch check then drops the command); a command still waiting after that is refused with the reason.
   */
  private async startupOver(what: string): Promise<void> {
    const epoch = this.epoch;
    const s = this.startup;
    if (s) {
      let wake = (): void => undefined;
      const woken = new Promise<void>((r) => (wake = r));
      this.startupWaiters.add(wake);
      const timer = setTimeout(wake, STARTUP_WAIT_MS);
      try {
        await Promise.race([s, woken]);
      } finally {
        clearTimeout(timer);
        this.startupWaiters.delete(wake);
      }
    }
    if (epoch === this.epoch && this.startup) {
      this.guard(() => {
        throw new DriverRefusal(
          'daemon',
          `${what} refused: the robot daemon is still starting (its start sequence, e.g. wake_up, runs and would drop the move); try again in a moment`,
        );
      });
    }
  }

  observed(): RobotState | null {
    return this.daemon.latestState();
  }

  /**
   * Admission for a motion command, in order: interlock, daemon link, lease (checked, not yet claimed). Refusals
   * are recorded as the mirror's last error and rethrown.
   */
  admit(owner: string, what: string): void {
    this.guard(() => {
      this.mirror.interlock.assertSafe(what);
      const link = this.daemon.connection();
      if (link.status !== 'connected') {
        throw new DriverRefusal(
          'daemon',
          `${what} refused: the robot daemon link is ${link.status}${link.error ? ` (${link.error})` : ''}`,
        );
      }
      this.mirror.lease.check(owner, what);
    });
  }

  /** Runs `fn`; a DriverRefusal (or any error) is recorded in the mirror and rethrown. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const kind = e instanceof DriverRefusal ? e.kind : 'driver';
      this.mirror.recordError(errorMessage(e), kind === 'daemon' ? 'link' : kind);
      throw e;
    }
  }

  /** Commands are planned, checked and handed over one at a time, each against what the previous one left. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private basis(obs: RobotState): MotionBasis {
    // Nothing of ours in flight, and long after the last send the robot is still not at the pair: it is not going
    // there (limp motors, another daemon client moved it). Plan from what is observed rather than pull it back.
    if (this.held && !this.active && Date.now() - this.heldAt > this.settleMs && reachGap(obs, this.held) !== null) {
      this.log.info('the robot is not where this driver last sent it; planning from the observed pose');
      this.held = null;
    }
    // A running move is preempted before the new command is sent: the robot then stays about where it is now.
    const pair = this.active || !this.held ? { head: obs.headPose, bodyYaw: obs.bodyYaw } : this.held;
    return { head: pair.head.slice(), bodyYaw: pair.bodyYaw, observed: obs };
  }

  /**
   * One head/body/antenna command: `build` turns the basis into a plan; the full pair is gated, the lease claimed,
   * a running move preempted, then the target goes out (realtime through the coalescer, else as a goto).
   */
  command(owner: string, what: string, build: (basis: MotionBasis) => MotionPlan): Promise<MotionResult> {
    return this.exclusive(async () => {
      const epoch = this.epoch;
      // A stop or trip during this wait is seen below, as for any command planned before one (epoch).
      await this.startupOver(what);
      const { plan, target } = this.guard(() => {
        this.mirror.interlock.assertSafe(what);
        const obs = this.daemon.latestState();
        if (!obs) throw new DriverRefusal('state', `${what}: no observed state from the robot daemon yet; try again in a moment`);
        const basis = this.basis(obs);
        const plan = build(basis);
        const pair = plan.head !== undefined || plan.bodyYaw !== undefined;
        const target: RealtimeTarget = {
          ...(pair ? { headPose: plan.head ?? basis.head, bodyYaw: plan.bodyYaw ?? basis.bodyYaw } : {}),
          ...(plan.antennas ? { antennas: plan.antennas } : {}),
        };
        assertSafeTarget(
          { ...target, durationS: plan.durationS > 0 ? plan.durationS : undefined },
          target.bodyYaw ?? null,
          { what, hint: plan.hint, observedBodyYaw: obs.bodyYaw },
        );
        // A goto starts from where the robot is: check the whole interpolated path, not only its end.
        if (plan.durationS > 0 && target.headPose && target.bodyYaw !== undefined) {
          assertSafePath({ head: obs.headPose, bodyYaw: obs.bodyYaw }, { head: target.headPose, bodyYaw: target.bodyYaw }, { what });
        }
        this.mirror.lease.claim(owner, what);
        return { plan, target };
      });
      await this.preempt(what);
      if (epoch !== this.epoch) return this.cancelledBeforeSend(what, plan.record);
      const seq = ++this.seq;
      if (target.headPose && target.bodyYaw !== undefined) {
        this.held = { head: target.headPose, bodyYaw: target.bodyYaw };
        this.heldSeq = seq;
      }
      this.heldAt = Date.now();
      if (plan.durationS > 0) {
        // A realtime target still waiting for its slot must not land after (and fight) the move.
        this.coalescer.cancel();
        const req: GotoRequest = { ...target, durationS: plan.durationS, interpolation: 'minjerk' };
        const handle = await this.track(what, plan.record, plan.durationS, seq, () => this.daemon.goto(req), {
          head: target.headPose,
          bodyYaw: target.bodyYaw,
          antennas: target.antennas,
        });
        return { transport: 'goto' as const, record: plan.record, handle };
      }
      this.mirror.commanded(plan.record);
      const outcome = this.coalescer.submit(target).catch((e: unknown) => {
        if (e instanceof DriverRefusal) {
          this.mirror.recordError(e.message, e.kind);
          throw e;
        }
        const msg = `${what}: the daemon did not take the target: ${errorMessage(e)}`;
        this.mirror.recordError(msg, 'daemon');
        throw new DriverRefusal('daemon', msg);
      });
      return { transport: 'realtime' as const, record: plan.record, outcome };
    });
  }

  private cancelledBeforeSend(what: string, record: JsonObject): MotionResult {
    this.log.info(`${what} dropped: stop_motion or an interlock trip came before it was sent`);
    return { transport: 'realtime', record, outcome: Promise.resolve('cancelled') };
  }

  /** wake_up / goto_sleep: daemon-defined sequences (its own poses), admitted and lease-claimed like any motion. */
  play(owner: string, what: 'wake_up' | 'goto_sleep', record: JsonObject): Promise<MoveHandle | null> {
    return this.exclusive(async () => {
      const epoch = this.epoch;
      await this.startupOver(what);
      this.guard(() => {
        this.mirror.interlock.assertSafe(what);
        this.mirror.lease.claim(owner, what);
      });
      await this.preempt(what);
      if (epoch !== this.epoch) return null;
      this.coalescer.cancel();
      const seq = ++this.seq;
      // The sequence moves head and body to the daemon's own poses: afterwards the robot's pair is what is observed.
      this.held = null;
      this.heldSeq = seq;
      const reach: ReachTarget =
        what === 'wake_up'
          ? { head: INIT_HEAD_POSE, antennas: INIT_ANTENNAS }
          : // The daemon skips the motion when already within 10 (mm + deg) of the sleep pose.
            { head: SLEEP_HEAD_POSE, headMagic: 10 };
      return this.track(what, record, null, seq, () => (what === 'wake_up' ? this.daemon.wakeUp() : this.daemon.gotoSleep()), reach);
    });
  }

  /** Stops the move this driver started and still runs (if any) and waits for the daemon to confirm. */
  private async preempt(by: string): Promise<void> {
    const a = this.active;
    if (!a) return;
    this.log.info(`${a.what} ${a.uuid} preempted by ${by}`);
    a.abort(`preempted by ${by}`);
    try {
      await withTimeout(this.daemon.stopMove(a.uuid), 2000, 'daemon did not answer the stop within 2 s');
      await withTimeout(a.done, 2000, `daemon did not confirm the end of ${a.what} within 2 s`);
    } catch (e) {
      this.log.warn(`preempting ${a.what}: ${errorMessage(e)}`);
    }
    if (this.active === a) this.active = null;
  }

  private async track(
    what: string,
    record: JsonObject,
    durationS: number | null,
    seq: number,
    start: () => Promise<MoveHandle>,
    reach: ReachTarget,
  ): Promise<MoveHandle> {
    const epoch = this.epoch;
    let handle: MoveHandle;
    try {
      handle = await start();
    } catch (e) {
      if (this.heldSeq === seq) this.held = null;
      const msg = `${what}: the daemon refused the move: ${errorMessage(e)}`;
      this.mirror.recordError(msg, 'daemon');
      throw new DriverRefusal('daemon', msg);
    }
    this.mirror.commanded(record, { uuid: handle.uuid, kind: what, durationS });
    let aborted: string | null = null;
    let wake: (() => void) | null = null;
    const abort = (details: string): void => {
      aborted ??= details;
      wake?.();
    };
    const verified = handle.done
      .catch((e: unknown): MoveOutcome => ({ uuid: handle.uuid, status: 'failed', details: errorMessage(e) }))
      .then(async (o): Promise<MoveOutcome> => {
        if (aborted !== null) return { uuid: o.uuid, status: 'cancelled', details: aborted };
        if (o.status !== 'completed') return o;
        // The daemon's word is not enough: it reports a dropped move (another move was running) as completed, and
        // the robot may still be catching up with the end of the interpolation.
        const gap = await this.waitReached(reach, (w) => (wake = w), () => aborted !== null);
        if (aborted !== null) return { uuid: o.uuid, status: 'cancelled', details: aborted };
        if (gap === null) return o;
        return {
          uuid: o.uuid,
          status: 'failed',
          details:
            `the daemon reported ${what} finished but the robot did not reach the target within ` +
            `${(this.settleMs / 1000).toFixed(1)} s (${gap}); another client's move may have been running`,
        };
      })
      .then((o) => {
        if (this.active?.uuid === handle.uuid) this.active = null;
        if (o.status !== 'completed' && this.heldSeq === seq) this.held = null;
        if (this.heldSeq === seq) this.heldAt = Date.now();
        this.mirror.moveFinished(o, what);
        if (o.status !== 'completed') this.log.info(`${what} ${o.uuid} ${o.status}: ${o.details}`);
        return o;
      });
    this.active = { uuid: handle.uuid, what, done: verified, abort };
    if (epoch !== this.epoch) {
      // A stop arrived while the daemon was taking the move (REST: link + POST): stop it now, it must not run.
      abort('stopped before it started');
      this.active = null;
      this.daemon.stopMove(handle.uuid).catch((e: unknown) => this.log.warn(`stopping ${what} after a stop: ${errorMessage(e)}`));
    }
    return { uuid: handle.uuid, done: verified };
  }

  /** Resolves null once the observed state is at `t`, else the remaining gap after settleMs (or when aborted). */
  private waitReached(t: ReachTarget, onWake: (wake: () => void) => void, isAborted: () => boolean): Promise<string | null> {
    const cur = this.daemon.latestState();
    if (cur && reachGap(cur, t) === null) return Promise.resolve(null);
    return new Promise((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        off();
        clearTimeout(timer);
        const st = this.daemon.latestState();
        resolve(isAborted() ? 'aborted' : st ? reachGap(st, t) : 'no observed state');
      };
      const off = this.daemon.onState((st) => {
        if (reachGap(st, t) === null) finish();
      });
      const timer = setTimeout(finish, this.settleMs);
      onWake(finish);
    });
  }

  /**
   * The first state sample received at or after `sinceMs` (epoch), or the latest one after `timeoutMs`. With a polled
   * transport (http mode, 10 Hz) the sample cached when a move ends can predate its end.
   */
  async freshState(sinceMs: number, timeoutMs = 500): Promise<RobotState | null> {
    const cur = this.daemon.latestState();
    if (cur && cur.receivedAt >= sinceMs) return cur;
    return new Promise((resolve) => {
      const off = this.daemon.onState((st) => {
        if (st.receivedAt < sinceMs) return;
        clearTimeout(timer);
        off();
        resolve(st);
      });
      const timer = setTimeout(() => {
        off();
        resolve(this.daemon.latestState());
      }, timeoutMs);
    });
  }

  /** Waits for a move's end, at most `timeoutMs`; null on timeout. */
  async waitDone(handle: MoveHandle, timeoutMs: number): Promise<MoveOutcome | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      return await Promise.race([handle.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops everything: drops the waiting realtime target and asks the daemon to stop every running move. Never
   * throws — stop must always be accepted; an unreachable daemon is reported in the result.
   */
  async stop(reason: string): Promise<{ stopped: boolean; daemon: string; hold: string }> {
    this.halt(reason);
    const sendsAtStop = this.sends;
    let stoppedAt: number;
    try {
      await withTimeout(this.daemon.stopMove(), 2000, 'daemon did not answer the stop within 2 s');
      stoppedAt = Date.now();
    } catch (e) {
      this.log.warn(`stop (${reason}) could not reach the daemon: ${errorMessage(e)}`);
      return { stopped: false, daemon: `unreachable: ${errorMessage(e)}`, hold: 'not sent (daemon unreachable)' };
    }
    const hold = await this.holdWhereObserved(reason, stoppedAt, sendsAtStop);
    this.log.info(`motion stopped (${reason}); ${hold}`);
    return { stopped: true, daemon: 'ok', hold };
  }

  /**
   * Stopping the daemon's moves does not stop a realtime target it already holds: the motors keep going to it (a
   * lagging robot would finish a 120° turn after the stop). So the stop also sets the target to the pose observed
   * now, which the robot is at: it stays there (docs/SAFETY.md, "Stop").
   */
  private async holdWhereObserved(reason: string, since: number, sendsAtStop: number): Promise<string> {
    // The first sample taken after the daemon stopped its moves: where the robot is now, not where it was a tick ago.
    const obs = await this.nextState(since, HOLD_WAIT_MS);
    // A command sent after the stop already replaced the target the daemon held: holding now would undo it.
    if (this.sends !== sendsAtStop || this.active) return 'not needed (a newer command was sent after the stop)';
    const last = this.inFlight;
    this.inFlight = null;
    // Nothing of ours to stop: no realtime target since the last stop, or the robot already reached it.
    if (!last) return 'not needed (no realtime target of this driver in flight)';
    if (obs && reachGap(obs, { head: last.headPose, bodyYaw: last.bodyYaw, antennas: last.antennas }) === null) return 'not needed (the robot is at its last realtime target)';
    if (!obs) return 'no fresh observed pose to hold (a realtime target the daemon holds may still be reached)';
    // Only parts inside the driver's limits are sent (nothing beyond them ever reaches the robot): e.g. antennas at
    // the sleep pose's ±175° are left alone (they are not moving there anyway).
    const target: RealtimeTarget = {};
    const parts: string[] = [];
    const ok = (t: RealtimeTarget): boolean => {
      try {
        assertSafeTarget(t, obs.bodyYaw);
        return true;
      } catch {
        return false;
      }
    };
    if (ok({ bodyYaw: obs.bodyYaw })) {
      target.bodyYaw = obs.bodyYaw;
      parts.push('body');
      if (ok({ headPose: obs.headPose, bodyYaw: obs.bodyYaw })) {
        target.headPose = obs.headPose.slice();
        parts.push('head');
      }
    }
    if (ok({ antennas: obs.antennas })) {
      target.antennas = [obs.antennas[0], obs.antennas[1]];
      parts.push('antennas');
    }
    if (!parts.length) return 'nothing to hold inside the limits';
    try {
      await withTimeout(this.daemon.setTarget(target), 1000, 'daemon did not take the hold target within 1 s');
      if (target.headPose && target.bodyYaw !== undefined) {
        this.held = { head: target.headPose, bodyYaw: target.bodyYaw };
        this.heldAt = Date.now();
      }
      return `holding the pose observed ${Date.now() - obs.receivedAt} ms before (${parts.join(', ')})`;
    } catch (e) {
      this.log.warn(`stop (${reason}): could not set the hold target: ${errorMessage(e)}`);
      return `hold target not taken: ${errorMessage(e)}`;
    }
  }

  /** The first state received at or after `since` (ms epoch), or null after `timeoutMs`. */
  private nextState(since: number, timeoutMs: number): Promise<RobotState | null> {
    const now = this.daemon.latestState();
    if (now && now.receivedAt >= since) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
      const off = this.daemon.onState((st) => {
        if (st.receivedAt < since) return;
        clearTimeout(timer);
        off();
        resolve(st);
      });
    });
  }

  /** Drops the waiting realtime target without talking to the daemon (it is unreachable). */
  dropPending(): void {
    this.halt('daemon unreachable');
  }

  private halt(reason: string): void {
    this.epoch++;
    this.coalescer.cancel();
    // Where a stopped move leaves the robot is only known by observing it.
    this.held = null;
    const a = this.active;
    this.active = null;
    a?.abort(`stopped (${reason})`);
    for (const w of this.startupWaiters) w();
    this.mirror.stopped();
  }

  close(): void {
    this.closed = true;
    for (const w of this.startupWaiters) w();
    this.coalescer.close();
  }
}

/** How long a stop waits for a sample taken after it (the stream runs at 50 Hz; http mode polls more slowly). */
const HOLD_WAIT_MS = 250;

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
