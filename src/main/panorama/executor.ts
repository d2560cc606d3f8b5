/**
 * Runs a planned scan on a robot through MeshClient.invoke only: lease as owner "panorama", per pose body yaw (when
 * it changes), head look relative to the body, settle, observe (get_body_yaw / get_status), drift check, capture.
 * Frames are written as they arrive and manifest.json is rewritten after each one, so a scan that is cancelled or
 * fails keeps a valid manifest for the frames it took. Cancel (AbortSignal): stop_motion, lease released, outputs
 * from the partial frames written.
 */
import { errorMessage } from '../../shared/errors';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Intrinsics } from '../../shared/camera-model';
import { SIM_CAMERA, scaleIntrinsics } from '../../shared/camera-model';
import type { PanoramaPose, PanoramaProgress } from '../../shared/console-api/panorama';
import type { MeshClient } from '../mesh';
import type { Logger } from '../log';
import { ensureWritableDir, writeAtomic } from './files';
import { STITCHING_NOTE, type ManifestFrame, type PanoramaManifest } from './manifest';
import { frameFileName, writeMosaics, type CapturedFrame } from './outputs';
import { worldYawDeg, worldYawSafe, yawCoverage, type ScanPlan } from './planner';
import { PanoramaRobot, type ObservedPose } from './robot';

export interface ScanRunOptions {
  mesh: MeshClient;
  plan: ScanPlan;
  outputDir: string;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: PanoramaProgress) => void;
  /** Attach a small data-URL thumbnail of each frame to progress events. */
  thumbnails?: boolean;
  intrinsics?: Intrinsics;
  scanId?: string;
}

export interface ScanResult {
  status: 'complete' | 'cancelled' | 'error';
  error?: string;
  outputDir: string;
  framesCaptured: number;
  framesPlanned: number;
  /** Files written (relative to outputDir). */
  files: string[];
  driftWarnings: number;
  manifest: PanoramaManifest;
}

class Cancelled extends Error {
  constructor() {
    super('scan cancelled');
    this.name = 'Cancelled';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Cancelled());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const angDiff = (a: number, b: number): number => ((((a - b) % 360) + 540) % 360) - 180;

export async function runScan(o: ScanRunOptions): Promise<ScanResult> {
  const { plan, logger, signal } = o;
  const opts = plan.options;
  const k = o.intrinsics ?? SIM_CAMERA;
  const robot = new PanoramaRobot(o.mesh, opts.deviceId);
  const captured: CapturedFrame[] = [];
  const mframes: ManifestFrame[] = [];
  const warnings: PanoramaManifest['drift_warnings'] = [];
  const files: string[] = [];
  const startedAt = new Date().toISOString();
  const total = plan.poses.length;
  const settleMs = opts.settleS * 1000;
  const check = () => {
    if (signal?.aborted) throw new Cancelled();
  };
  const progress = (p: Omit<PanoramaProgress, 'total' | 'scanId'>) => {
    try {
      o.onProgress?.({ ...p, total, scanId: o.scanId });
    } catch (err) {
      logger.warn(`progress listener failed: ${errorMessage(err)}`);
    }
  };

  const manifest = (status: PanoramaManifest['status'], error?: string, outputs?: Awaited<ReturnType<typeof writeMosaics>>): PanoramaManifest => {
    const cov = yawCoverage(captured.map((f) => f.worldYawDeg), plan.hfovDeg);
    const first = captured[0];
    return {
      version: 1,
      tool: 'reachy-console panorama',
      device_id: opts.deviceId,
      status,
      ...(error ? { error } : {}),
      started_at: startedAt,
      finished_at: status === 'running' ? null : new Date().toISOString(),
      options: { ...opts },
      plan: { frames: total, body_yaws_deg: plan.bodyYaws, pitches_deg: plan.pitches, head_yaws_deg: plan.headYaws },
      camera: { model: 'pinhole', intrinsics: k, frame_intrinsics: first ? { ...scaleIntrinsics(k, first.width), height: first.height } : null },
      frames: mframes,
      coverage: {
        span_deg: cov.spanDeg,
        largest_gap_deg: cov.largestGapDeg,
        likely_full_360: cov.likelyFull360,
        frames_captured: captured.length,
        frames_planned: total,
        equirect_covered_fraction: outputs?.equirectCoverage ?? null,
      },
      drift_warnings: warnings,
      outputs: {
        strips: outputs?.strips ?? [],
        grid: outputs?.grid ?? null,
        strip: outputs?.strip ?? null,
        equirect: outputs?.equirect ?? null,
      },
      stitching: STITCHING_NOTE,
    };
  };
  const writeManifest = (m: PanoramaManifest) => writeAtomic(join(o.outputDir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');

  // Before anything moves: a folder we cannot write is an error, not a scan with nothing kept.
  await ensureWritableDir(o.outputDir, 'outputDir');
  let status: ScanResult['status'] = 'complete';
  let error: string | undefined;
  let leased = false;
  try {
    await writeManifest(manifest('running'));
    progress({ done: 0, phase: 'starting', message: `scan of ${total} frames on ${opts.deviceId}` });
    // Lease long enough to span the longest gap between our commands (body turn + settle + capture); each command renews it.
    await robot.acquireLease(Math.min(300, Math.ceil(opts.bodyMoveS + 2 * opts.settleS + 20)));
    leased = true;
    check();
    if (opts.alignHeadHome) {
      await robot.look(0, 0);
      await sleep(Math.max(settleMs, 350), signal);
    }
    let bodyLock = await robot.bodyYawDeg();
    let currentBody: number | null = null;
    for (let i = 0; i < plan.poses.length; i++) {
      check();
      const pose: PanoramaPose = plan.poses[i];
      progress({ done: i, phase: 'moving', pose });
      if (currentBody === null || pose.bodyYawDeg !== currentBody) {
        await robot.setBodyYaw(pose.bodyYawDeg, opts.bodyMoveS);
        await sleep(settleMs, signal);
        currentBody = pose.bodyYawDeg;
        bodyLock = await waitBodyYaw(robot, pose.bodyYawDeg, opts.bodyDriftToleranceDeg / 2, opts.settleTimeoutS * 1000, signal);
        if (bodyLock !== null && Math.abs(angDiff(bodyLock, pose.bodyYawDeg)) > opts.bodyDriftToleranceDeg) {
          const d = round3(angDiff(bodyLock, pose.bodyYawDeg));
          warnings.push({ frame: null, drift_deg: d, message: `body yaw ${round3(bodyLock)}° after set_body_yaw(${pose.bodyYawDeg}°): off by ${d}°` });
        }
      }
      if (bodyLock !== null && !worldYawSafe(bodyLock, pose.headYawDeg)) {
        // The body is not where planned and this look would pass ±180°: skip rather than swing the body.
        warnings.push({ frame: null, drift_deg: round3(angDiff(bodyLock, pose.bodyYawDeg)), message: `pose ${i} skipped: body at ${round3(bodyLock)}° + head ${pose.headYawDeg}° passes ±180°` });
        continue;
      }
      await robot.look(pose.pitchDeg, pose.headYawDeg);
      await sleep(settleMs, signal);
      const before = await waitHeadStill(robot, opts.settleTimeoutS * 1000, signal);
      progress({ done: i, phase: 'capturing', pose });
      const shot = await robot.captureJpeg(opts.encoding, opts.maxEdge, opts.quality);
      const after = await robot.observe();
      const meta = await sharp(shot.jpeg).metadata();
      const width = meta.width ?? shot.width;
      const height = meta.height ?? shot.height;
      const file = frameFileName(i, pose);
      await writeAtomic(join(o.outputDir, file), shot.jpeg);
      files.push(file);

      const observedBody = after.bodyYawDeg ?? before.bodyYawDeg;
      const head = meanHead(before, after);
      const commandedWorld = worldYawDeg(pose);
      const bodyDrift = observedBody === null ? null : round3(angDiff(observedBody, pose.bodyYawDeg));
      const headDrift = head === null ? null : round3(angDiff(head.yaw, commandedWorld));
      if (bodyDrift !== null && Math.abs(bodyDrift) > opts.bodyDriftToleranceDeg) {
        warnings.push({ frame: i, drift_deg: bodyDrift, message: `frame ${i}: body yaw drifted ${bodyDrift}° from ${pose.bodyYawDeg}° (tolerance ${opts.bodyDriftToleranceDeg}°)` });
        logger.warn(warnings[warnings.length - 1].message);
      }
      if (bodyLock !== null && observedBody !== null && Math.abs(angDiff(observedBody, bodyLock)) > opts.bodyDriftToleranceDeg) {
        bodyLock = observedBody; // as the prior tool: the head move turned the body; follow it
      }
      const motion = before.head && after.head ? round3(Math.hypot(angDiff(after.head.yaw, before.head.yaw), after.head.pitch - before.head.pitch)) : null;
      const orientation = head
        ? { rollDeg: head.roll, pitchDeg: head.pitch, yawDeg: head.yaw }
        : { rollDeg: 0, pitchDeg: pose.pitchDeg, yawDeg: (observedBody ?? pose.bodyYawDeg) + pose.headYawDeg };
      captured.push({ index: i, file, jpeg: shot.jpeg, width, height, pitchDeg: pose.pitchDeg, worldYawDeg: commandedWorld, orientation });
      mframes.push({
        index: i,
        file,
        width,
        height,
        captured_at: new Date().toISOString(),
        commanded: { body_yaw_deg: pose.bodyYawDeg, pitch_deg: pose.pitchDeg, head_yaw_deg: pose.headYawDeg, world_yaw_deg: commandedWorld },
        observed: {
          body_yaw_deg: observedBody === null ? null : round3(observedBody),
          head_rpy_deg: head ? { roll: round3(head.roll), pitch: round3(head.pitch), yaw: round3(head.yaw) } : null,
          source: head ? 'get_status' : 'commanded',
          motion_during_capture_deg: motion,
        },
        drift: { body_yaw_deg: bodyDrift, head_world_yaw_deg: headDrift },
      });
      await writeManifest(manifest('running'));
      const thumbnail = o.thumbnails ? await thumb(shot.jpeg) : undefined;
      progress({ done: i + 1, phase: 'capturing', pose, thumbnail });
    }
  } catch (err) {
    if (err instanceof Cancelled || signal?.aborted) {
      status = 'cancelled';
      error = 'cancelled by the operator';
    } else {
      status = 'error';
      error = errorMessage(err);
      logger.error(`panorama scan failed: ${error}`);
    }
    // Leave the robot safe: stop whatever moves (accepted from anyone, even without the lease).
    await robot.stopMotion().catch((e: unknown) => logger.warn(`stop_motion failed: ${errorMessage(e)}`));
  }
  if (status === 'complete' && opts.alignHeadHome) {
    try {
      // Head first (relative to where the body is), then the body with the head following: a body-frame look sent
      // while the body still turns would aim at a stale body yaw and the automatic body-yaw rule would drag it.
      const budget = Math.max(1000, opts.settleTimeoutS * 1000);
      await robot.look(0, 0);
      await waitHeadStill(robot, budget);
      await robot.setBodyYaw(0, opts.bodyMoveS);
      await waitBodyYaw(robot, 0, 0.5, budget);
    } catch (err) {
      logger.warn(`returning the head home failed: ${errorMessage(err)}`);
    }
  }
  if (leased) await robot.releaseLease().catch((e: unknown) => logger.warn(`release_lease failed: ${errorMessage(e)}`));

  let outputs: Awaited<ReturnType<typeof writeMosaics>> | undefined;
  if (captured.length > 0) {
    progress({ done: captured.length, phase: 'stitching', message: 'writing strips, grid and the equirectangular panorama' });
    try {
      outputs = await writeMosaics(captured, { dir: o.outputDir, intrinsics: k, quality: opts.quality, equirectWidth: opts.equirectWidth });
      files.push(...outputs.strips, ...[outputs.grid, outputs.strip, outputs.equirect].filter((f): f is string => f !== null));
    } catch (err) {
      if (status === 'complete') status = 'error';
      error = `${error ? `${error}; ` : ''}writing outputs failed: ${errorMessage(err)}`;
      logger.error(error);
    }
  }
  const final = manifest(status, error, outputs);
  await writeManifest(final);
  files.push('manifest.json');
  progress({ done: captured.length, phase: status === 'complete' ? 'done' : status, message: error ?? `wrote ${files.length} files to ${o.outputDir}` });
  return { status, error, outputDir: o.outputDir, framesCaptured: captured.length, framesPlanned: total, files, driftWarnings: warnings.length, manifest: final };
}

/** Polls get_body_yaw until it is within tol of target or maxMs passed; returns the last reading. */
async function waitBodyYaw(robot: PanoramaRobot, target: number, tol: number, maxMs: number, signal?: AbortSignal): Promise<number | null> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const y = await robot.bodyYawDeg();
    if (y === null || Math.abs(angDiff(y, target)) <= tol || Date.now() >= deadline) return y;
    await sleep(80, signal);
  }
}

/** Polls get_status until two readings of the head agree within 0.05° (or maxMs passed); returns the last one. */
async function waitHeadStill(robot: PanoramaRobot, maxMs: number, signal?: AbortSignal): Promise<ObservedPose> {
  const deadline = Date.now() + maxMs;
  let prev = await robot.observe();
  for (;;) {
    if (!prev.head || Date.now() >= deadline) return prev;
    await sleep(60, signal);
    const cur = await robot.observe();
    if (cur.head && Math.abs(angDiff(cur.head.yaw, prev.head.yaw)) < 0.05 && Math.abs(cur.head.pitch - prev.head.pitch) < 0.05) return cur;
    prev = cur;
  }
}

function meanHead(a: ObservedPose, b: ObservedPose): ObservedPose['head'] {
  if (a.head && b.head) {
    return {
      roll: (a.head.roll + b.head.roll) / 2,
      pitch: (a.head.pitch + b.head.pitch) / 2,
      yaw: a.head.yaw + angDiff(b.head.yaw, a.head.yaw) / 2,
    };
  }
  return b.head ?? a.head;
}

async function thumb(jpeg: Buffer): Promise<string> {
  const t = await sharp(jpeg).resize({ width: 160 }).jpeg({ quality: 60 }).toBuffer();
  return `data:image/jpeg;base64,${t.toString('base64')}`;
}
