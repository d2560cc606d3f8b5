/**
 * Panorama scans on the real simulator (camera renders the shipped scene) + real driver, on the in-process mesh,
 * through MeshClient.invoke only. The equirect output is compared with the scene itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { startSimStack, type SimStack as PanoramaSimStack } from '../../../src/main/app/sim-stack';
import { planScan } from '../../../src/main/panorama/planner';
import { runScan } from '../../../src/main/panorama/executor';
import { manifestSchema, type ManifestFrame } from '../../../src/main/panorama/manifest';
import { stitchJpegFrames } from '../../../src/main/panorama/outputs';
import { measureAlignment } from '../../../src/main/panorama/alignment';
import { createPanoramaService } from '../../../src/main/panorama/console-service';
import { command } from '../../../src/main/app/commands/panorama';
import { findSceneFile } from '../../../src/main/sim/media';
import { SIM_CAMERA } from '../../../src/shared/camera-model';
import { yawOf } from '../../../src/shared/kinematics';
import { panoramaScanOptions, type PanoramaProgress } from '../../../src/shared/console-api/panorama';
import type { ConsolePush } from '../../../src/shared/console-api';

const DEVICE = 'pano-sim-1';
let stack: PanoramaSimStack;
let tmp: string;
const logger = createLogger('panorama-test');
let fullScan: { out: string; frames: ManifestFrame[]; equirect: string } | null = null;

beforeAll(async () => {
  setStderrLogging(false);
  tmp = mkdtempSync(join(tmpdir(), 'pano-int-'));
  stack = await startSimStack({ deviceId: DEVICE, logger, mode: 'robot' });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
  setStderrLogging(true);
});

async function driverState(): Promise<{ execution_state: string; lease_active: boolean; command_owner: string | null }> {
  const s = (await stack.mesh.invoke(DEVICE, 'get_status', {})) as { driver_state: { execution_state: string; lease_active: boolean; command_owner: string | null } };
  return s.driver_state;
}

describe('panorama scan on the simulator', () => {
  it('scans a full circle: frames, manifest with observed poses, strips, grid and equirect; head home, lease released', async () => {
    const out = join(tmp, 'full');
    const plan = planScan({ options: panoramaScanOptions.parse({ deviceId: DEVICE, full360: true, settleS: 0.25, bodyMoveS: 0.4 }) });
    const phases = new Set<string>();
    const r = await runScan({ mesh: stack.mesh, plan, outputDir: out, logger, onProgress: (p) => phases.add(p.phase) });
    expect(r.status).toBe('complete');
    expect(r.framesCaptured).toBe(plan.frames);
    expect([...phases]).toEqual(expect.arrayContaining(['starting', 'moving', 'capturing', 'stitching', 'done']));
    const m = manifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.status).toBe('complete');
    expect(m.frames).toHaveLength(plan.frames);
    expect(m.frames.every((f) => f.observed.source === 'get_status')).toBe(true);
    expect(m.coverage.likely_full_360).toBe(true);
    for (const f of [...m.outputs.strips, m.outputs.grid!, m.outputs.equirect!]) expect(existsSync(join(out, f))).toBe(true);

    fullScan = { out, frames: m.frames, equirect: m.outputs.equirect! };

    // The head went home and the lease was given back.
    const st = await driverState();
    expect(st.lease_active).toBe(false);
    expect(Math.abs(stack.sim.state().bodyYaw)).toBeLessThan(0.02);
    expect(Math.abs(yawOf(stack.sim.state().headPose))).toBeLessThan(0.02);
  }, 90_000);

  it('cancelling mid-scan leaves the robot idle, the lease released and a valid manifest for the frames taken', async () => {
    const out = join(tmp, 'cancel');
    const plan = planScan({ options: panoramaScanOptions.parse({ deviceId: DEVICE, bodyYawSteps: 3, pitchSteps: 2, yawSteps: 3, settleS: 0.2 }) });
    const abort = new AbortController();
    const r = await runScan({
      mesh: stack.mesh,
      plan,
      outputDir: out,
      logger,
      signal: abort.signal,
      onProgress: (p: PanoramaProgress) => {
        if (p.phase === 'capturing' && p.done >= 3) abort.abort();
      },
    });
    expect(r.error ?? r.status, JSON.stringify(r.error)).toBe('cancelled by the operator');
    expect(r.framesCaptured).toBeGreaterThanOrEqual(3);
    expect(r.framesCaptured).toBeLessThan(plan.frames);
    const m = manifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.status).toBe('cancelled');
    expect(m.frames).toHaveLength(r.framesCaptured);
    for (const f of m.frames) expect(existsSync(join(out, f.file))).toBe(true);
    expect(m.outputs.equirect).toBe('panorama_equirect.jpg');

    const st = await driverState();
    expect(st.execution_state).toBe('idle');
    expect(st.lease_active).toBe(false);
    // Anyone may take the robot now.
    await expect(stack.mesh.invoke(DEVICE, 'acquire_lease', { owner: 'tester', ttl_s: 2 })).resolves.toMatchObject({ status: 'success' });
    await stack.mesh.invoke(DEVICE, 'release_lease', { owner: 'tester' });
  }, 60_000);

  it('records body drift warnings in the manifest when the body has not reached its target at capture', async () => {
    const out = join(tmp, 'drift');
    // No settling (nor waiting for the pose) and a realtime body turn: the simulated body (rate-limited like the robot) is still on its way.
    const plan = planScan({
      options: panoramaScanOptions.parse({ deviceId: DEVICE, bodyYawSteps: 3, pitchSteps: 1, yawSteps: 1, bodyMoveS: 0, settleS: 0, settleTimeoutS: 0, bodyDriftToleranceDeg: 1 }),
    });
    const r = await runScan({ mesh: stack.mesh, plan, outputDir: out, logger });
    expect(r.status).toBe('complete');
    const m = manifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.drift_warnings.length).toBeGreaterThan(0);
    expect(m.drift_warnings[0].message).toMatch(/body yaw/);
    expect(Math.abs(m.drift_warnings[0].drift_deg)).toBeGreaterThan(1);
    expect(r.driftWarnings).toBe(m.drift_warnings.length);
  }, 60_000);

  it('rejects bad options with the flag and its range before touching the mesh or the robot', async () => {
    const before = stack.sim.targetLog().length;
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    // An unreachable broker: had the command connected, it would have returned 2 instead of throwing.
    const mesh = ['--messaging-url', 'nats://127.0.0.1:1', '--timeout-s', '1'];
    await expect(command.run(['--yaw-steps', '-1', ...mesh])).rejects.toThrow(/--yaw-steps=-1.*\[1, 25\]/);
    await expect(command.run(['--body-yaw-steps', '0', ...mesh])).rejects.toThrow(/--body-yaw-steps=0.*\[1, 25\]/);
    await expect(command.run(['--pitch-range-deg', '45', ...mesh])).rejects.toThrow(/--pitch-range-deg=45.*\[0, 30\]/);
    await expect(command.run(['--output', join(file, 'out'), ...mesh])).rejects.toThrow(/--output=.*not a writable folder/);
    expect(stack.sim.targetLog().length).toBe(before);
  });

  it('runs through the console service: start, progress pushes with thumbnails, result with previews', async () => {
    const pushes: PanoramaProgress[] = [];
    const svc = createPanoramaService({
      mesh: () => stack.mesh,
      push: (p: ConsolePush) => {
        if (p.type === 'panorama_progress') pushes.push(p.progress);
      },
      logger,
      dataDir: tmp,
    });
    try {
      const opts = panoramaScanOptions.parse({ deviceId: DEVICE, bodyYawSteps: 2, pitchSteps: 1, yawSteps: 1, settleS: 0.2 });
      const plan = (await svc.handlers.panoramaPlan(opts)) as { frames: number };
      expect(plan.frames).toBe(2);
      await expect(svc.handlers.panoramaStart({ ...opts, outputName: 'svc-scan' })).resolves.toMatchObject({ total: 2 });
      await expect(svc.handlers.panoramaStart({ ...opts })).rejects.toThrow(/already running/);
      for (let i = 0; i < 200 && !pushes.some((p) => p.phase === 'done'); i++) await new Promise((r) => setTimeout(r, 100));
      const done = pushes.find((p) => p.phase === 'done');
      expect(done?.done).toBe(2);
      expect(pushes.filter((p) => p.thumbnail?.startsWith('data:image/jpeg;base64,'))).toHaveLength(2);
      const res = (await svc.handlers.panoramaResult({ scanId: done!.scanId! })) as { status: string; equirectPreview?: string; outputDir: string };
      expect(res.status).toBe('done');
      expect(res.outputDir).toBe(join(tmp, 'panorama', 'svc-scan'));
      expect(res.equirectPreview).toMatch(/^data:image\/jpeg;base64,/);
      await expect(svc.handlers.panoramaResult({ scanId: 'nope' })).rejects.toThrow(/no panorama scan/);
    } finally {
      await svc.close();
    }
  }, 60_000);

  // Last: the comparison is CPU-heavy and runs on the same event loop as the in-process driver (its daemon
  // watchdog would trip the interlock for a scan running meanwhile).
  it('the equirect output matches the scene: median alignment error at most 1 output pixel', async () => {
    expect(fullScan).not.toBeNull();
    const { out, frames: mf, equirect } = fullScan!;
    // Recompute the blend weights from the frames (to mask uncovered rows), then compare the written JPEG with the
    // scene at the output's scale. Threshold: median ≤ 1 px (1984 px per 360° → 0.18°): below what a person sees as
    // a doubled edge at a seam, with room for JPEG (q82) and the sim's bilinear rendering; a 0.5° pose error alone
    // would give ≈ 2.8 px.
    const frames = mf.map((f) => ({
      jpeg: readFileSync(join(out, f.file)),
      width: f.width,
      orientation: { rollDeg: f.observed.head_rpy_deg!.roll, pitchDeg: f.observed.head_rpy_deg!.pitch, yawDeg: f.observed.head_rpy_deg!.yaw },
    }));
    const eq = await stitchJpegFrames(frames, SIM_CAMERA);
    const written = await sharp(join(out, equirect)).raw().toBuffer({ resolveWithObject: true });
    expect([written.info.width, written.info.height]).toEqual([eq.width, eq.height]);
    const scene = await sharp(findSceneFile()).removeAlpha().resize(eq.width, eq.height, { fit: 'fill' }).raw().toBuffer();
    const rep = measureAlignment(
      { data: new Uint8Array(written.data), width: eq.width, height: eq.height, weight: eq.weight },
      { data: new Uint8Array(scene), width: eq.width, height: eq.height },
    );
    writeFileSync(join(tmp, 'alignment.json'), JSON.stringify(rep));
    expect(rep.patches).toBeGreaterThan(300);
    expect(rep.medianErrorPx).toBeLessThanOrEqual(1);

  }, 60_000);
});
