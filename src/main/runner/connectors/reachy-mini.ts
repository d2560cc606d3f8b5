/**
 * Reachy Mini connector: observation and actions through the driver's functions over `MeshClient.invoke` only.
 * - observation: get_joints (+ get_status for the head pose) → STATE_LAYOUT (16 numbers, see reachy-layout.ts)
 * - action: each chunk row is a target in ACTION_LAYOUT (or the configured subset), applied as realtime commands
 *   (look_at_world / set_body_yaw / antenna_pose with duration_s = 0) at `hz` rows per second
 * - safeStop: stop_motion (always accepted by the driver); the lease is held as owner `policy` in apply_actions mode.
 */
import { z } from 'zod';
import type { MeshClient } from '../../mesh';
import { LIMITS, rangeMessage, DEFAULT_DEVICE_ID } from '../../../shared/reachy';
import type { DriverFunctionName, DriverFunctionParams } from '../../../shared/driver-functions';
import { RunnerError, errorMessage } from '../errors';
import type { ActionChunk, ConnectorStartContext, Observation, RobotConnector, RunMode } from '../types';
import { ACTION_LAYOUT, STATE_LAYOUT, idx, type ActionName } from './reachy-layout';

export const reachyConnectorConfig = z
  .object({
    device_id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/, 'must be a device id like reachy-mini-1').default(DEFAULT_DEVICE_ID),
    /** Rows of a chunk applied per second. */
    hz: z.number().min(1).max(LIMITS.realtimeMaxHz).default(20),
    owner: z.string().min(1).max(64).default('policy'),
    lease_s: z.number().min(1).max(LIMITS.leaseMaxS).default(5),
    invoke_timeout_s: z.number().min(0.1).max(60).default(3),
    /** Which action entries a chunk row carries (a subset of ACTION_LAYOUT, in row order); others hold. */
    action_layout: z.array(z.enum(ACTION_LAYOUT)).min(1).max(ACTION_LAYOUT.length).optional(),
  })
  .strict();
export type ReachyConnectorConfig = z.input<typeof reachyConnectorConfig>;

export type MeshSource = MeshClient | (() => MeshClient | Promise<MeshClient>);
export async function resolveMesh(src: MeshSource): Promise<MeshClient> {
  return typeof src === 'function' ? src() : src;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const RAD = 180 / Math.PI;

/** The observed head pose from get_joints' `head_pose` view ({rpy_deg, xyz_mm}, world frame). */
function headPoseFrom(joints: Record<string, unknown>): { roll: number; pitch: number; yaw: number; x: number; y: number; z: number } | null {
  const hp = joints.head_pose as { rpy_deg?: Record<string, unknown>; xyz_mm?: Record<string, unknown> } | undefined;
  if (!hp || typeof hp !== 'object' || !hp.rpy_deg) return null;
  const r = hp.rpy_deg;
  const t = hp.xyz_mm ?? {};
  return { roll: num(r.roll) ?? 0, pitch: num(r.pitch) ?? 0, yaw: num(r.yaw) ?? 0, x: num(t.x) ?? 0, y: num(t.y) ?? 0, z: num(t.z) ?? 0 };
}

export class ReachyMiniConnector implements RobotConnector {
  readonly kind = 'reachy_mini';
  private readonly cfg: z.output<typeof reachyConnectorConfig>;
  private readonly layout: readonly ActionName[];
  private mode: RunMode = 'dry_run';
  private last: number[] = ACTION_LAYOUT.map(() => 0);
  private sentBody: number | null = null;
  private sentAntennas: [number, number] | null = null;
  private leaseHeld = false;
  private observedBody = 0;
  private observedAntennas: [number, number] = [0, 0];

  private mesh: MeshClient | null = null;

  /** `mesh` may be a provider: it is resolved at start(), so building a connector starts nothing. */
  constructor(
    private readonly meshSource: MeshSource,
    config: ReachyConnectorConfig = {},
  ) {
    this.cfg = reachyConnectorConfig.parse(config);
    this.layout = this.cfg.action_layout ?? ACTION_LAYOUT;
  }

  stateLayout(): string[] {
    return [...STATE_LAYOUT];
  }

  /** Typed against the driver's function catalogue: a renamed function or parameter is a compile error here. */
  private call<K extends DriverFunctionName>(fn: K, params: DriverFunctionParams[K]): Promise<unknown> {
    if (!this.mesh) return Promise.reject(new RunnerError('observe_failed', 'connector not started'));
    return this.mesh.invoke(this.cfg.device_id, fn, params, { timeoutMs: this.cfg.invoke_timeout_s * 1000 });
  }

  async start(ctx?: ConnectorStartContext): Promise<void> {
    this.mode = ctx?.mode ?? 'dry_run';
    this.mesh = await resolveMesh(this.meshSource);
    await this.getObservation(); // proves the device answers before anything else starts
    if (this.mode === 'apply_actions') {
      await this.call('acquire_lease', { owner: this.cfg.owner, ttl_s: this.cfg.lease_s });
      this.leaseHeld = true;
    }
  }

  async getObservation(): Promise<Observation> {
    let joints: unknown;
    try {
      joints = await this.call('get_joints', {});
    } catch (err) {
      throw new RunnerError('observe_failed', `${this.cfg.device_id}: ${errorMessage(err)}`, { cause: err });
    }
    const j = (joints ?? {}) as Record<string, unknown>;
    if (j.status === 'error') throw new RunnerError('observe_failed', `get_joints: ${String(j.reason ?? 'no joint data')}`);
    const head = Array.isArray(j.head_degrees) ? j.head_degrees.map((v) => num(v) ?? 0) : [];
    const ant = Array.isArray(j.antenna_degrees) ? j.antenna_degrees.map((v) => num(v) ?? 0) : [];
    const body = num(j.body_yaw_deg) ?? (num(j.body_yaw_rad) !== undefined ? num(j.body_yaw_rad)! * RAD : 0);
    const pose = headPoseFrom(j) ?? { roll: 0, pitch: 0, yaw: body, x: 0, y: 0, z: 0 };
    const observed = [pose.roll, pose.pitch, pose.yaw, pose.x, pose.y, pose.z, body, ant[0] ?? 0, ant[1] ?? 0];
    this.last = observed;
    this.observedBody = body;
    this.observedAntennas = [ant[0] ?? 0, ant[1] ?? 0];
    const joints7 = Array.from({ length: 7 }, (_, i) => head[i] ?? 0);
    return { state: [...observed, ...joints7] };
  }

  /** Expands a row to the full layout (missing entries hold their last observed value) and checks limits. */
  private target(row: number[], rowIndex: number): number[] {
    if (row.length !== this.layout.length)
      throw new RunnerError('apply_failed', `action row ${rowIndex} has ${row.length} values; the layout [${this.layout.join(', ')}] needs ${this.layout.length}`);
    const t = [...this.last];
    this.layout.forEach((name, i) => (t[idx(name)] = row[i]));
    const checks: [ActionName, { min: number; max: number }][] = [
      ['head_roll_deg', LIMITS.headRollDeg],
      ['head_pitch_deg', LIMITS.headPitchDeg],
      ['head_x_mm', LIMITS.headXmm],
      ['head_y_mm', LIMITS.headYmm],
      ['head_z_mm', LIMITS.headZmm],
    ];
    // Body yaw and antennas are only commanded when they change, so a held value (e.g. antennas folded in the
    // sleep pose, beyond the command range) is not a violation.
    if (this.changed(t[idx('body_yaw_deg')], this.sentBody ?? this.observedBody)) checks.push(['body_yaw_deg', LIMITS.bodyYawDeg]);
    const refAnt = this.sentAntennas ?? this.observedAntennas;
    if (this.changed(t[idx('antenna_left_deg')], refAnt[0]) || this.changed(t[idx('antenna_right_deg')], refAnt[1]))
      checks.push(['antenna_left_deg', LIMITS.antennaDeg], ['antenna_right_deg', LIMITS.antennaDeg]);
    for (const [name, range] of checks) {
      const v = t[idx(name)];
      if (!Number.isFinite(v) || v < range.min || v > range.max) throw new RunnerError('apply_failed', `action row ${rowIndex}: ${rangeMessage(name, v, range)}`);
    }
    const rel = t[idx('head_yaw_deg')] - t[idx('body_yaw_deg')];
    if (Math.abs(rel) > LIMITS.headYawDeg.max)
      throw new RunnerError('apply_failed', `action row ${rowIndex}: ${rangeMessage('head_yaw_deg - body_yaw_deg', Math.round(rel * 100) / 100, LIMITS.headYawDeg)}`);
    return t;
  }

  private changed(target: number, ref: number): boolean {
    return !Number.isFinite(target) || Math.abs(target - ref) > 0.05;
  }

  async applyAction(chunk: ActionChunk, signal?: AbortSignal): Promise<void> {
    if (this.mode !== 'apply_actions') return; // belt and braces: the session never calls this in dry_run
    const targets = chunk.actions.map((row, i) => this.target(row, i)); // validate the whole chunk first
    const periodMs = 1000 / this.cfg.hz;
    const owner = this.cfg.owner;
    for (const t of targets) {
      if (signal?.aborted) return;
      const slotEnd = performance.now() + periodMs;
      try {
        const body = t[idx('body_yaw_deg')];
        if (this.changed(body, this.sentBody ?? this.observedBody)) {
          // head "hold": the head target below says where the head looks; the body turn must not carry it.
          await this.call('set_body_yaw', { yaw_deg: body, duration_s: 0, head: 'hold', owner });
          this.sentBody = body;
        }
        const yaw = t[idx('head_yaw_deg')];
        // look_at_world's world-frame yaw is itself limited to ±45°; beyond that, say it relative to the body.
        const useBody = Math.abs(yaw) > LIMITS.headYawDeg.max;
        await this.call('look_at_world', {
          roll: t[idx('head_roll_deg')],
          pitch: t[idx('head_pitch_deg')],
          yaw: useBody ? yaw - body : yaw,
          x_mm: t[idx('head_x_mm')],
          y_mm: t[idx('head_y_mm')],
          z_mm: t[idx('head_z_mm')],
          frame: useBody ? 'body' : 'world',
          duration_s: 0,
          owner,
        });
        const ant: [number, number] = [t[idx('antenna_left_deg')], t[idx('antenna_right_deg')]];
        const refAnt = this.sentAntennas ?? this.observedAntennas;
        if (this.changed(ant[0], refAnt[0]) || this.changed(ant[1], refAnt[1])) {
          await this.call('antenna_pose', { left: ant[0], right: ant[1], duration_s: 0, owner });
          this.sentAntennas = ant;
        }
      } catch (err) {
        throw new RunnerError('apply_failed', errorMessage(err), { cause: err });
      }
      const wait = slotEnd - performance.now();
      if (wait > 0) await sleep(wait, signal);
    }
  }

  async safeStop(): Promise<void> {
    this.sentBody = null;
    this.sentAntennas = null;
    await this.call('stop_motion', { owner: this.cfg.owner });
  }

  async stop(): Promise<void> {
    if (!this.leaseHeld) return;
    this.leaseHeld = false;
    await this.call('release_lease', { owner: this.cfg.owner });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
