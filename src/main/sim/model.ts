/**
 * The simulated robot: targets, moves, IK and the present state, advanced by `tick(nowMs)` at 50 Hz.
 * No I/O here; the server feeds it commands and publishes what `tick` produces.
 *
 * Semantics follow the daemon (docs/DAEMON.md §6.3–§6.8, §14): head targets are world-frame 4×4 poses; IK (with the
 * automatic body-yaw rule) runs every tick from the stored Cartesian target; an unreachable target keeps the last
 * reachable one; while a move runs, set_* targets are ignored; a move requested while another runs is dropped but
 * reported finished. `mockup` copies the reachable target to the present each tick; `robot` follows it with rate
 * limits (like the MuJoCo/real backends that lag).
 */
import { mulMat4 } from '../../shared/kinematics';
import type { Interpolation, MotorMode } from '../reachy';
import type { Mat4 } from '../reachy';
import {
  INIT_ANTENNAS,
  INIT_HEAD_POSE,
  SLEEP_ANTENNAS,
  SLEEP_HEAD_POSE,
  distanceBetweenPoses,
  headIk,
  interpolatePose,
  jointLimitViolation,
  lerp,
  mat3ToRotvec,
  mulMat3,
  poseToMat4,
  rotationOf,
  timeTrajectory,
  transposeMat3,
  DEG,
} from '../reachy';
import type { ImuReading } from './imu';
import { ImuSynth } from './imu';
import type { Rng } from './rng';

export type SimMode = 'robot' | 'mockup';
export type TargetSource = 'rest' | 'ws_sdk' | 'ws_set_target' | 'internal';

/** One motion command as it arrived (for limit assertions in tests). */
export interface TargetLogEntry {
  /** Simulated ms epoch at receipt. */
  t: number;
  source: TargetSource;
  kind: 'set_target' | 'goto' | 'wake_up' | 'goto_sleep';
  head?: Mat4;
  antennas?: [number, number];
  bodyYaw?: number;
  durationS?: number;
  method?: Interpolation;
  /** false when ignored (a move was running) or dropped (another move running). */
  accepted: boolean;
}

export interface PartialTarget {
  head?: Mat4 | null;
  antennas?: [number, number] | null;
  bodyYaw?: number | null;
}

type Step =
  | { kind: 'goto'; target: PartialTarget; durationS: number; method: Interpolation }
  | { kind: 'wait'; durationS: number }
  | { kind: 'sound'; file: string }
  | { kind: 'motor'; mode: MotorMode }
  // Computed when reached, so a sequence adapts to where the robot is at that point.
  | { kind: 'dynamic'; build: () => Step[] };

export type MoveEnd = { status: 'completed' } | { status: 'cancelled' } | { status: 'failed'; details: string };

export interface Move {
  uuid: string;
  done: Promise<MoveEnd>;
}

interface ActiveMove {
  uuid: string;
  kind: TargetLogEntry['kind'];
  steps: Step[];
  index: number;
  stepStart: number;
  gotoStart?: { head: Mat4; antennas: [number, number]; bodyYaw: number };
  resolve: (end: MoveEnd) => void;
}

export interface PresentState {
  headPose: Mat4;
  /** [body_yaw, stewart_1..6] */
  joints: number[];
  antennas: [number, number];
  bodyYaw: number;
}

// Rate limits of the `robot` mode follower (per second).
const MAX_HEAD_ANGULAR = 4.0;
const MAX_HEAD_LINEAR = 0.2;
const MAX_BODY_RATE = 3.0;
const MAX_ANTENNA_RATE = 12.0;
/** Antenna motors turn a full circle but no further (deliberate clamp; the daemon has none). */
const ANTENNA_LIMIT = Math.PI;
/** Rotation part must be orthonormal within this, else the target is treated as unreachable (see setTarget). */
const RIGID_TOL = 1e-2;

export interface ModelOptions {
  mode: SimMode;
  rng: Rng;
  now: number;
  /** Clock read when a command arrives (target log timestamps); defaults to the last tick time. */
  clock?: () => number;
  newUuid: () => string;
  onSound?: (file: string) => void;
  targetLogLimit?: number;
}

export class RobotModel {
  readonly mode: SimMode;
  motorMode: MotorMode = 'enabled';
  automaticBodyYaw = true;

  // Stored Cartesian target (what clients asked for).
  private targetHead: Mat4 = SLEEP_HEAD_POSE.slice();
  private targetBodyYaw = 0;
  private targetAntennas: [number, number] = [...SLEEP_ANTENNAS];
  // Last reachable target (IK succeeded).
  private reachHead: Mat4 = SLEEP_HEAD_POSE.slice();
  private reachJoints: number[];
  private present: PresentState;
  private lastTick: number;
  private active: ActiveMove | null = null;
  private readonly imu: ImuSynth;
  private imuReading: ImuReading | null = null;
  private log: TargetLogEntry[] = [];
  private readonly logLimit: number;
  private readonly opts: ModelOptions;
  private recording: unknown[] | null = null;
  ticks = 0;

  constructor(opts: ModelOptions) {
    this.opts = opts;
    this.mode = opts.mode;
    this.lastTick = opts.now;
    this.logLimit = opts.targetLogLimit ?? 100_000;
    const ik = headIk(SLEEP_HEAD_POSE, 0, true);
    this.reachJoints = ik.joints;
    this.present = { headPose: SLEEP_HEAD_POSE.slice(), joints: ik.joints.slice(), antennas: [...SLEEP_ANTENNAS], bodyYaw: 0 };
    this.imu = new ImuSynth(opts.rng);
  }

  // ---- reads ----

  presentState(): PresentState {
    return {
      headPose: this.present.headPose.slice(),
      joints: this.present.joints.slice(),
      antennas: [...this.present.antennas],
      bodyYaw: this.present.bodyYaw,
    };
  }

  targetState(): { head: Mat4; bodyYaw: number; antennas: [number, number]; joints: number[] } {
    return { head: this.reachHead.slice(), bodyYaw: this.reachJoints[0], antennas: [...this.targetAntennas], joints: this.reachJoints.slice() };
  }

  /** The stored Cartesian target as clients asked for it (before IK and the automatic body-yaw rule). */
  requestedTarget(): { head: Mat4; bodyYaw: number } {
    return { head: this.targetHead.slice(), bodyYaw: this.targetBodyYaw };
  }

  imuState(): ImuReading | null {
    return this.imuReading;
  }

  isMoveRunning(): boolean {
    return this.active !== null;
  }

  /** 'goto', 'wake_up' or 'goto_sleep' while a move runs. */
  activeMoveKind(): TargetLogEntry['kind'] | null {
    return this.active?.kind ?? null;
  }

  activeMoveUuid(): string | null {
    return this.active?.uuid ?? null;
  }

  targetLog(): TargetLogEntry[] {
    return this.log.slice();
  }

  clearTargetLog(): void {
    this.log = [];
  }

  private record(e: Omit<TargetLogEntry, 't'>): void {
    this.log.push({ t: this.opts.clock ? this.opts.clock() : this.lastTick, ...e });
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
  }

  // ---- commands ----

  /** Realtime target (no interpolation). Ignored while a move runs (docs/DAEMON.md §14.4). */
  setTarget(t: PartialTarget, source: TargetSource): 'ok' | 'ignored' {
    const accepted = this.active === null;
    this.record({ source, kind: 'set_target', ...logFields(t), accepted });
    if (!accepted) return 'ignored';
    this.applyTarget(t);
    return 'ok';
  }

  private applyTarget(t: PartialTarget): void {
    if (t.head) this.targetHead = t.head.slice();
    if (t.bodyYaw !== undefined && t.bodyYaw !== null) this.targetBodyYaw = t.bodyYaw;
    if (t.antennas) this.targetAntennas = [t.antennas[0], t.antennas[1]];
  }

  setMotorMode(mode: MotorMode): void {
    this.motorMode = mode;
  }

  /** Starts an interpolated move; dropped (but reported completed) when another move runs. */
  goto(t: PartialTarget, durationS: number, method: Interpolation, source: TargetSource): Move {
    return this.startMove([{ kind: 'goto', target: t, durationS, method }], source, { kind: 'goto', ...logFields(t), durationS, method });
  }

  wakeUp(source: TargetSource): Move {
    return this.startMove(this.wakeUpSteps(), source, { kind: 'wake_up' });
  }

  gotoSleep(source: TargetSource): Move {
    return this.startMove(this.gotoSleepSteps(), source, { kind: 'goto_sleep' });
  }

  /** Stops one move (by uuid) or the active one. Returns false when nothing matched. */
  stopMove(uuid?: string): boolean {
    if (!this.active || (uuid !== undefined && this.active.uuid !== uuid)) return false;
    const a = this.active;
    this.active = null;
    a.resolve({ status: 'cancelled' });
    return true;
  }

  startRecording(): void {
    this.recording = [];
  }

  appendRecord(r: unknown): void {
    if (this.recording && this.recording.length < 100_000) this.recording.push(r);
  }

  stopRecording(): unknown[] | null {
    const r = this.recording;
    this.recording = null;
    return r;
  }

  private startMove(steps: Step[], source: TargetSource, entry: Omit<TargetLogEntry, 't' | 'source' | 'accepted'>): Move {
    const uuid = this.opts.newUuid();
    if (this.active) {
      // Daemon: play_move's non-blocking lock drops the request and the task still reports completion.
      this.record({ source, ...entry, accepted: false });
      return { uuid, done: Promise.resolve({ status: 'completed' }) };
    }
    this.record({ source, ...entry, accepted: true });
    let resolve!: (e: MoveEnd) => void;
    const done = new Promise<MoveEnd>((r) => (resolve = r));
    this.active = { uuid, kind: entry.kind, steps, index: 0, stepStart: this.lastTick, resolve };
    return { uuid, done };
  }

  private wakeUpSteps(): Step[] {
    return [
      { kind: 'wait', durationS: 0.1 },
      {
        kind: 'dynamic',
        build: () => {
          const nearInit =
            this.motorMode === 'enabled' &&
            distanceBetweenPoses(this.targetHead, INIT_HEAD_POSE).magic < 1 &&
            Math.abs(this.targetAntennas[0] - INIT_ANTENNAS[0]) < 1e-2 &&
            Math.abs(this.targetAntennas[1] - INIT_ANTENNAS[1]) < 1e-2;
          if (nearInit) return [];
          const magic = distanceBetweenPoses(this.present.headPose, INIT_HEAD_POSE).magic;
          return [
            { kind: 'goto', target: { head: INIT_HEAD_POSE, antennas: INIT_ANTENNAS, bodyYaw: 0 }, durationS: Math.max(magic / 50, 0.02), method: 'minjerk' },
            { kind: 'wait', durationS: 0.1 },
            { kind: 'sound', file: 'wake_up.wav' },
            { kind: 'goto', target: { head: poseToMat4({ x: 0, y: 0, z: 0, roll: 20 * DEG, pitch: 0, yaw: 0 }) }, durationS: 0.2, method: 'minjerk' },
            { kind: 'goto', target: { head: INIT_HEAD_POSE }, durationS: 0.2, method: 'minjerk' },
          ];
        },
      },
    ];
  }

  private gotoSleepSteps(): Step[] {
    return [
      {
        kind: 'dynamic',
        build: () => {
          const toSleep = distanceBetweenPoses(this.present.headPose, SLEEP_HEAD_POSE).magic;
          const toInit = distanceBetweenPoses(this.present.headPose, INIT_HEAD_POSE).magic;
          const steps: Step[] = [];
          if (toSleep > 10) {
            if (toInit > 30) {
              steps.push({ kind: 'goto', target: { head: INIT_HEAD_POSE, bodyYaw: 0 }, durationS: 1, method: 'minjerk' });
              steps.push({ kind: 'wait', durationS: 0.2 });
            }
            steps.push({ kind: 'sound', file: 'go_sleep.wav' });
            steps.push({ kind: 'goto', target: { head: SLEEP_HEAD_POSE, antennas: SLEEP_ANTENNAS, bodyYaw: 0 }, durationS: 2, method: 'minjerk' });
          } else {
            steps.push({ kind: 'sound', file: 'go_sleep.wav' });
            steps.push({ kind: 'wait', durationS: 3 });
          }
          steps.push({ kind: 'wait', durationS: 2 });
          // Daemon ≥ 1.9 ends goto_sleep limp at the sleep pose.
          steps.push({ kind: 'motor', mode: 'disabled' });
          return steps;
        },
      },
    ];
  }

  // ---- the 50 Hz tick ----

  tick(now: number): void {
    const dt = Math.max(1e-3, (now - this.lastTick) / 1000);
    this.lastTick = now;
    this.ticks++;
    this.runMove(now);
    this.solveTarget();
    this.updatePresent(dt);
    this.imuReading = this.imu.update(this.present.headPose, dt);
  }

  private runMove(now: number): void {
    // Bounded so a sequence of zero-length steps cannot spin forever.
    for (let guard = 0; this.active && guard < 64; guard++) {
      const a = this.active;
      const step = a.steps[a.index];
      if (!step) {
        this.active = null;
        a.resolve({ status: 'completed' });
        return;
      }
      const elapsed = (now - a.stepStart) / 1000;
      switch (step.kind) {
        case 'dynamic':
          a.steps.splice(a.index, 1, ...step.build());
          continue;
        case 'sound':
          this.opts.onSound?.(step.file);
          a.index++;
          continue;
        case 'motor':
          this.motorMode = step.mode;
          a.index++;
          continue;
        case 'wait':
          if (elapsed < step.durationS) return;
          a.stepStart += step.durationS * 1000;
          a.index++;
          continue;
        case 'goto': {
          if (!a.gotoStart) {
            a.gotoStart = { head: this.present.headPose.slice(), antennas: [...this.present.antennas], bodyYaw: this.present.bodyYaw };
          }
          const st = a.gotoStart;
          const tg = step.target;
          // Duration ≤ 0: the daemon's play loop never runs, so nothing moves (the move still completes).
          if (!(step.durationS > 0)) {
            a.gotoStart = undefined;
            a.index++;
            continue;
          }
          const u = Math.min(1, elapsed / step.durationS);
          const s = timeTrajectory(u, step.method);
          // At the end the exact target is written (the daemon's last write is the sample just before it).
          if (u >= 1) this.applyTarget(tg);
          else this.applyTarget({
            head: tg.head ? interpolatePose(st.head, tg.head, s) : undefined,
            antennas: tg.antennas ? [lerp(st.antennas[0], tg.antennas[0], s), lerp(st.antennas[1], tg.antennas[1], s)] : undefined,
            bodyYaw: tg.bodyYaw !== undefined && tg.bodyYaw !== null ? lerp(st.bodyYaw, tg.bodyYaw, s) : undefined,
          });
          if (u < 1) return;
          a.stepStart += step.durationS * 1000;
          a.gotoStart = undefined;
          a.index++;
          continue;
        }
      }
    }
  }

  /** IK from the stored Cartesian target each tick (docs/DAEMON.md §14.16); unreachable → keep the last reachable. */
  private solveTarget(): void {
    if (!isUsablePose(this.targetHead) || !Number.isFinite(this.targetBodyYaw)) return;
    const ik = headIk(this.targetHead, this.targetBodyYaw, this.automaticBodyYaw);
    if (!ik.reachable || !withinLimits(ik.joints)) return;
    this.reachHead = this.targetHead.slice();
    this.reachJoints = ik.joints;
  }

  private updatePresent(dt: number): void {
    const antTarget: [number, number] = [clampAntenna(this.targetAntennas[0], this.present.antennas[0]), clampAntenna(this.targetAntennas[1], this.present.antennas[1])];
    if (this.mode === 'mockup') {
      // Mockup: targets copied to present every tick; motor mode is stored but ignored (docs/DAEMON.md §10).
      this.present = { headPose: this.reachHead.slice(), joints: this.reachJoints.slice(), antennas: antTarget, bodyYaw: this.reachJoints[0] };
      return;
    }
    if (this.motorMode !== 'enabled') return; // limp: the simulated head stays where it is
    const p = this.present;
    // The head follows in the body's frame (its Stewart motors move it relative to the base) while the body motor
    // turns on its own: so the head–body offset moves from the present one to the target one and never beyond
    // both, as on the robot where each motor goes to its joint target.
    const relNow = rotateAboutZ(p.headPose, -p.bodyYaw);
    const relTarget = rotateAboutZ(this.reachHead, -this.reachJoints[0]);
    const ang = Math.hypot(...mat3ToRotvec(mulMat3(transposeMat3(rotationOf(relNow)), rotationOf(relTarget))));
    const lin = Math.hypot(relNow[3] - relTarget[3], relNow[7] - relTarget[7], relNow[11] - relTarget[11]);
    const f = Math.min(1, ang > 0 ? (MAX_HEAD_ANGULAR * dt) / ang : 1, lin > 0 ? (MAX_HEAD_LINEAR * dt) / lin : 1);
    const rel = f >= 1 ? relTarget : interpolatePose(relNow, relTarget, f);
    const body = stepToward(p.bodyYaw, this.reachJoints[0], MAX_BODY_RATE * dt);
    let head = f >= 1 && body === this.reachJoints[0] ? this.reachHead.slice() : rotateAboutZ(rel, body);
    let ik = headIk(head, body, false);
    if (!ik.reachable || !withinLimits(ik.joints)) {
      head = this.reachHead.slice();
      ik = { joints: this.reachJoints.slice(), reachable: true };
    }
    this.present = {
      headPose: head,
      joints: ik.joints,
      bodyYaw: ik.joints[0],
      antennas: [stepToward(p.antennas[0], antTarget[0], MAX_ANTENNA_RATE * dt), stepToward(p.antennas[1], antTarget[1], MAX_ANTENNA_RATE * dt)],
    };
  }
}

function logFields(t: PartialTarget): Pick<TargetLogEntry, 'head' | 'antennas' | 'bodyYaw'> {
  const out: Pick<TargetLogEntry, 'head' | 'antennas' | 'bodyYaw'> = {};
  if (t.head) out.head = t.head.slice();
  if (t.antennas) out.antennas = [t.antennas[0], t.antennas[1]];
  if (t.bodyYaw !== undefined && t.bodyYaw !== null) out.bodyYaw = t.bodyYaw;
  return out;
}

function stepToward(from: number, to: number, maxStep: number): number {
  const d = to - from;
  return Math.abs(d) <= maxStep ? to : from + Math.sign(d) * maxStep;
}

/** Non-finite antenna targets are held; finite ones are limited to one turn. */
function clampAntenna(v: number, previous: number): number {
  if (!Number.isFinite(v)) return previous;
  return Math.max(-ANTENNA_LIMIT, Math.min(ANTENNA_LIMIT, v));
}

/**
 * Deliberate difference: the daemon feeds any 4×4 to the IK. We only accept finite, rigid transforms, so a
 * garbage matrix can never become the reported head pose.
 */
function isUsablePose(m: Mat4): boolean {
  if (m.length !== 16 || !m.every(Number.isFinite)) return false;
  if (Math.abs(m[12]) > 1e-6 || Math.abs(m[13]) > 1e-6 || Math.abs(m[14]) > 1e-6 || Math.abs(m[15] - 1) > 1e-6) return false;
  const r = rotationOf(m);
  const rtr = mulMat3(transposeMat3(r), r);
  for (let i = 0; i < 9; i++) if (Math.abs(rtr[i] - (i % 4 === 0 ? 1 : 0)) > RIGID_TOL) return false;
  const det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
  return det > 0;
}

/**
 * Deliberate difference: the daemon's IK does not check motor ranges (the firmware clamps). We treat a solution
 * outside the URDF ranges as unreachable, so the reported pose always matches joints the motors can hold.
 */
function withinLimits(joints: number[]): boolean {
  return jointLimitViolation(joints) === 0;
}

/** `m` turned about the world z axis by `angle` (rotation and translation). */
function rotateAboutZ(m: Mat4, angle: number): Mat4 {
  const c = Math.cos(angle), s = Math.sin(angle);
  return mulMat4([c, -s, 0, 0, s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], m);
}
