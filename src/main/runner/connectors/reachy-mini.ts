/**
 * Reachy Mini connector: observation and actions through the driver's functions over `MeshClient.invoke` only.
 * - observation: get_joints (+ get_status for the head pose) → STATE_LAYOUT (16 numbers, see reachy-layout.ts)
 * - action: each chunk row is a target in ACTION_LAYOUT (or the configured subset), applied as realtime commands
 *   (look_at_world / set_body_yaw / antenna_pose with duration_s = 0) at `hz` rows per second
 * - safeStop: stop_motion (always accepted by the driver); the lease is held as owner `policy` in apply_actions mode.
 */
import { z } from 'zod';
import type { MeshClient } from '../../mesh/types';
import { LIMITS, rangeMessage, DEFAULT_DEVICE_ID } from '../../../shared/reachy';
import type { JsonObject } from '../../../shared/wire';
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

/** Reads the observed head pose (degrees/mm, world frame) from a get_status or get_joints reply, wherever it is. */
function headPoseFrom(...sources: unknown[]): { roll: number; pitch: number; yaw: number; x: number; y: number; z: number } | null {
  for (const src of sources) {
    const queue: unknown[] = [src];
    for (let n = 0; queue.length && n < 50; n++) {
      const o = queue.shift();
      if (!o || typeof o !== 'object' || Array.isArray(o)) continue;
      const r = o as Record<string, unknown>;
      for (const key of ['head_pose', 'head_pose_deg', 'observed_head_pose', 'head']) {
        const p = r[key] as Record<string, unknown> | undefined;
        if (p && typeof p === 'object') {
          const deg = num(p.pitch_deg) !== undefined || num(p.yaw_deg) !== undefined;
          if (deg) {
            return {
              roll: num(p.roll_deg) ?? 0,
              pitch: num(p.pitch_deg) ?? 0,
              yaw: num(p.yaw_deg) ?? 0,
              x: num(p.x_mm) ?? 0,
              y: num(p.y_mm) ?? 0,
              z: num(p.z_mm) ?? 0,
            };
          }
          if (num(p.pitch) !== undefined && num(p.yaw) !== undefined && (num(p.x_mm) !== undefined || key === 'head_pose_deg')) {
            return { roll: num(p.roll) ?? 0, pitch: num(p.pitch)!, yaw: num(p.yaw)!, x: num(p.x_mm) ?? 0, y: num(p.y_mm) ?? 0, z: num(p.z_mm) ?? 0 };
          }
        }
      }
      for (const v of Object.values(r)) if (v && typeof v === 'object') queue.push(v);
    }
  }
  return null;
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

  private call(fn: string, params: JsonObject = {}): Promise<unknown> {
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
    let status: unknown;
    try {
      [joints, status] = await Promise.all([this.call('get_joints'), this.call('get_status')]);
    } catch (err) {
      throw new RunnerError('observe_failed', `${this.cfg.device_id}: ${errorMessage(err)}`, { cause: err });
    }
    const j = (joints ?? {}) as Record<string, unknown>;
    if (j.status === 'error') throw new RunnerError('observe_failed', `get_joints: ${String(j.reason ?? 'no joint data')}`);
    const head = Array.isArray(j.head_degrees) ? j.head_degrees.map((v) => num(v) ?? 0) : [];
    const ant = Array.isArray(j.antenna_degrees) ? j.antenna_degrees.map((v) => num(v) ?? 0) : [];
    const body = num(j.body_yaw_deg) ?? (num(j.body_yaw_rad) !== undefined ? num(j.body_yaw_rad)! * RAD : 0);
    const pose = headPoseFrom(joints, status) ?? { roll: 0, pitch: 0, yaw: body, x: 0, y: 0, z: 0 };
    const observed = [pose.roll, pose.pitch, pose.yaw, pose.x, pose.y, pose.z, body, ant[0] ?? 0, ant[1] ?? 0];
    this.last = observed;
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
      ['body_yaw_deg', LIMITS.bodyYawDeg],
      ['antenna_left_deg', LIMITS.antennaDeg],
      ['antenna_right_deg', LIMITS.antennaDeg],
    ];
    for (const [name, range] of checks) {
      const v = t[idx(name)];
      if (!Number.isFinite(v) || v < range.min || v > range.max) throw new RunnerError('apply_failed', `action row ${rowIndex}: ${rangeMessage(name, v, range)}`);
    }
    const rel = t[idx('head_yaw_deg')] - t[idx('body_yaw_deg')];
    if (Math.abs(rel) > LIMITS.headYawDeg.max)
      throw new RunnerError('apply_failed', `action row ${rowIndex}: ${rangeMessage('head_yaw_deg - body_yaw_deg', Math.round(rel * 100) / 100, LIMITS.headYawDeg)}`);
    return t;
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
        if (this.sentBody === null || Math.abs(this.sentBody - body) > 0.05) {
          await this.call('set_body_yaw', { yaw_deg: body, duration_s: 0, owner });
          this.sentBody = body;
        }
        await this.call('look_at_world', {
          roll: t[idx('head_roll_deg')],
          pitch: t[idx('head_pitch_deg')],
          yaw: t[idx('head_yaw_deg')],
          x_mm: t[idx('head_x_mm')],
          y_mm: t[idx('head_y_mm')],
          z_mm: t[idx('head_z_mm')],
          duration_s: 0,
          owner,
        });
        const ant: [number, number] = [t[idx('antenna_left_deg')], t[idx('antenna_right_deg')]];
        if (!this.sentAntennas || Math.abs(this.sentAntennas[0] - ant[0]) > 0.05 || Math.abs(this.sentAntennas[1] - ant[1]) > 0.05) {
          await this.call('antenna_pose', { left: ant[0], right: ant[1], owner });
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
