/**
 * Sends motion to the daemon for the driver's functions: the common admission checks (interlock, daemon link, lease),
 * the final limit gate, realtime targets through the 60 Hz coalescer, interpolated moves with completion tracked into
 * the state mirror, and stop.
 */
import { errorMessage } from '../../shared/errors';
import type { JsonObject } from '../../shared/wire';
import { LIMITS } from '../../shared/reachy';
import type { Logger } from '../log';
import type { DaemonClient, GotoRequest, MoveHandle, MoveOutcome, RealtimeTarget, RobotState } from '../reachy';
import { RealtimeCoalescer, type CoalesceOutcome } from './coalescer';
import { assertSafeTarget } from './gate';
import { DriverRefusal } from './limits';
import type { StateMirror } from './state-mirror';


export interface MotionOptions {
  daemon: DaemonClient;
  mirror: StateMirror;
  logger: Logger;
  maxHz?: number;
  /** Called after every target handed to the daemon (bench/test instrumentation). */
  onSent?: (target: RealtimeTarget) => void;
}

export class MotionController {
  private readonly coalescer: RealtimeCoalescer<RealtimeTarget>;
  private readonly daemon: DaemonClient;
  private readonly mirror: StateMirror;
  private readonly log: Logger;

  constructor(private readonly opts: MotionOptions) {
    this.daemon = opts.daemon;
    this.mirror = opts.mirror;
    this.log = opts.logger;
    this.coalescer = new RealtimeCoalescer<RealtimeTarget>(
      async (t) => {
        // Re-checked at send time: a trip may have happened while the target waited for its slot.
        if (this.mirror.interlock.state() === 'tripped') throw new DriverRefusal('interlock', 'interlock tripped before the target was sent');
        await this.daemon.setTarget(t);
        opts.onSent?.(t);
      },
      { maxHz: opts.maxHz ?? LIMITS.realtimeMaxHz },
    );
  }

  get stats(): RealtimeCoalescer<RealtimeTarget>['stats'] {
    return this.coalescer.stats;
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

  /** Range gate against the observed body yaw, then take/renew the lease. */
  private finalChecks(owner: string, what: string, t: RealtimeTarget | GotoRequest): void {
    this.guard(() => {
      const obs = this.daemon.latestState();
      assertSafeTarget(
        {
          headPose: t.headPose ?? null,
          bodyYaw: t.bodyYaw ?? null,
          antennas: t.antennas ?? null,
          durationS: 'durationS' in t ? t.durationS : undefined,
        },
        obs ? obs.bodyYaw : null,
      );
      this.mirror.lease.claim(owner, what);
    });
  }

  async realtime(owner: string, what: string, t: RealtimeTarget, record: JsonObject): Promise<CoalesceOutcome> {
    this.finalChecks(owner, what, t);
    this.mirror.commanded(record);
    try {
      return await this.coalescer.submit(t);
    } catch (e) {
      if (e instanceof DriverRefusal) {
        this.mirror.recordError(e.message, e.kind);
        throw e;
      }
      const msg = `${what}: the daemon did not take the target: ${errorMessage(e)}`;
      this.mirror.recordError(msg, 'daemon');
      throw new DriverRefusal('daemon', msg);
    }
  }

  async goto(owner: string, what: string, req: GotoRequest, record: JsonObject): Promise<MoveHandle> {
    this.finalChecks(owner, what, req);
    // A realtime target still waiting for its slot must not land after (and fight) the move.
    this.coalescer.cancel();
    return this.track(what, record, req.durationS, () => this.daemon.goto({ interpolation: 'minjerk', ...req }));
  }

  /** wake_up / goto_sleep: daemon-defined sequences (its own poses), admitted and lease-claimed like any motion. */
  async play(owner: string, what: 'wake_up' | 'goto_sleep', record: JsonObject): Promise<MoveHandle> {
    this.guard(() => this.mirror.lease.claim(owner, what));
    this.coalescer.cancel();
    return this.track(what, record, null, () => (what === 'wake_up' ? this.daemon.wakeUp() : this.daemon.gotoSleep()));
  }

  private async track(
    what: string,
    record: JsonObject,
    durationS: number | null,
    start: () => Promise<MoveHandle>,
  ): Promise<MoveHandle> {
    let handle: MoveHandle;
    try {
      handle = await start();
    } catch (e) {
      const msg = `${what}: the daemon refused the move: ${errorMessage(e)}`;
      this.mirror.recordError(msg, 'daemon');
      throw new DriverRefusal('daemon', msg);
    }
    this.mirror.commanded(record, { uuid: handle.uuid, kind: what, durationS });
    handle.done.then(
      (outcome) => {
        this.mirror.moveFinished(outcome, what);
        if (outcome.status !== 'completed') this.log.info(`${what} ${outcome.uuid} ${outcome.status}: ${outcome.details}`);
      },
      (e: unknown) => this.mirror.moveFinished({ uuid: handle.uuid, status: 'failed', details: errorMessage(e) }, what),
    );
    return handle;
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
  async stop(reason: string): Promise<{ stopped: boolean; daemon: string }> {
    this.coalescer.cancel();
    this.mirror.stopped();
    try {
      await withTimeout(this.daemon.stopMove(), 2000, 'daemon did not answer the stop within 2 s');
      this.log.info(`motion stopped (${reason})`);
      return { stopped: true, daemon: 'ok' };
    } catch (e) {
      this.log.warn(`stop (${reason}) could not reach the daemon: ${errorMessage(e)}`);
      return { stopped: false, daemon: `unreachable: ${errorMessage(e)}` };
    }
  }

  /** Drops the waiting realtime target without talking to the daemon (it is unreachable). */
  dropPending(): void {
    this.coalescer.cancel();
    this.mirror.stopped();
  }

  close(): void {
    this.coalescer.close();
  }
}

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
