/**
 * B6: panorama stitch of 45 frames (640×360 JPEG, as capture_video_frame delivers them) to an equirectangular
 * panorama: decode + reprojection + feathered blending + JPEG encode (target ≤ 2 s). Plus the accuracy figure: a
 * full-circle scan on the simulator (sim + driver in-process, through MeshClient.invoke), its panorama_equirect.jpg
 * compared with the shipped scene — median alignment error in output pixels.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';
import { SIM_CAMERA, scaleIntrinsics } from '../../src/shared/camera-model';
import { panoramaScanOptions } from '../../src/shared/console-api/panorama';
import { createLogger } from '../../src/main/log';
import { planScan } from '../../src/main/panorama/planner';
import { runScan } from '../../src/main/panorama/executor';
import { stitchEquirect, type StitchFrame } from '../../src/main/panorama/equirect';
import { stitchJpegFrames } from '../../src/main/panorama/outputs';
import { renderPinhole } from '../../src/main/panorama/synthetic';
import { measureAlignment } from '../../src/main/panorama/alignment';
import { cameraRotationFromRpy } from '../../src/main/panorama/pose-math';
import { startSimStack } from '../../src/main/app/sim-stack';
import { findSceneFile } from '../../src/main/sim/media';

async function loadScene(width?: number) {
  let img = sharp(findSceneFile()).removeAlpha();
  if (width) img = img.resize(width, width / 2, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

async function stitchBench(): Promise<BenchResult> {
  const scene = await loadScene();
  const k = scaleIntrinsics(SIM_CAMERA, 640);
  // 45 frames: 5 body (±120°, so no pose passes ±180°) × 3 pitch × 3 head-yaw steps.
  const plan = planScan({ options: panoramaScanOptions.parse({ bodyYawSteps: 5, bodyYawRangeDeg: 120, pitchSteps: 3, yawSteps: 3 }) });
  if (plan.frames !== 45) throw new Error(`B6 plan has ${plan.frames} frames, expected 45`);
  const frames = await Promise.all(
    plan.poses.map(async (p) => {
      const orientation = { rollDeg: 0, pitchDeg: p.pitchDeg, yawDeg: p.bodyYawDeg + p.headYawDeg };
      const img = renderPinhole(scene, k, cameraRotationFromRpy(orientation));
      const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
      return { jpeg, width: img.width, orientation, raw: img };
    }),
  );
  const total: number[] = [];
  const reproject: number[] = [];
  let out: Awaited<ReturnType<typeof stitchJpegFrames>> | null = null;
  const decoded: StitchFrame[] = frames.map((f) => ({ data: f.raw.data, width: f.raw.width, height: f.raw.height, channels: 3, rWorldCam: cameraRotationFromRpy(f.orientation) }));
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    out = await stitchJpegFrames(frames, SIM_CAMERA);
    await sharp(out.data, { raw: { width: out.width, height: out.height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
    total.push(performance.now() - t0);
    const t1 = performance.now();
    stitchEquirect(decoded, { intrinsics: SIM_CAMERA, width: out.width });
    reproject.push(performance.now() - t1);
  }
  const ref = await loadScene(out!.width);
  const rep = measureAlignment(out!, ref);
  const p50 = median(total);
  return {
    id: 'B6',
    name: 'panorama stitch of 45 frames (640x360 JPEG) to equirectangular',
    metrics: {
      total_ms_p50: round(p50, 1),
      reproject_only_ms_p50: round(median(reproject), 1),
      output_width: out!.width,
      frames: frames.length,
      synthetic_median_error_px: round(rep.medianErrorPx, 3),
    },
    target: '≤ 2000 ms (decode + reproject + blend + encode)',
    pass: p50 <= 2000,
  };
}

async function accuracyBench(): Promise<BenchResult> {
  const logger = createLogger('bench-b6');
  const dir = mkdtempSync(join(tmpdir(), 'b6-'));
  const stack = await startSimStack({ deviceId: 'b6-sim', logger, mode: 'robot' });
  try {
    const plan = planScan({ options: panoramaScanOptions.parse({ deviceId: 'b6-sim', full360: true, settleS: 0.3 }) });
    const t0 = performance.now();
    const r = await runScan({ mesh: stack.mesh, plan, outputDir: dir, logger });
    const scanS = (performance.now() - t0) / 1000;
    await stack.close();
    const m = r.manifest;
    const frames = m.frames.map((f) => ({
      jpeg: readFileSync(join(dir, f.file)),
      width: f.width,
      orientation: { rollDeg: f.observed.head_rpy_deg?.roll ?? 0, pitchDeg: f.observed.head_rpy_deg?.pitch ?? f.commanded.pitch_deg, yawDeg: f.observed.head_rpy_deg?.yaw ?? f.commanded.world_yaw_deg },
    }));
    const eq = await stitchJpegFrames(frames, SIM_CAMERA);
    const written = await sharp(join(dir, m.outputs.equirect!)).raw().toBuffer();
    const ref = await loadScene(eq.width);
    const rep = measureAlignment({ data: new Uint8Array(written), width: eq.width, height: eq.height, weight: eq.weight }, ref);
    return {
      id: 'B6-accuracy',
      name: 'panorama_equirect.jpg of a --full-360 sim scan vs the shipped scene',
      metrics: {
        median_error_px: round(rep.medianErrorPx, 3),
        p90_error_px: round(rep.p90ErrorPx, 3),
        patches: rep.patches,
        output_width: eq.width,
        frames: r.framesCaptured,
        scan_s: round(scanS, 1),
        covered_fraction: m.coverage.equirect_covered_fraction ?? 0,
      },
      target: 'median ≤ 1 px at the output scale',
      pass: rep.medianErrorPx <= 1,
    };
  } finally {
    await stack.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const b6: Bench = {
  id: 'B6',
  name: 'panorama stitch (45 frames 640x360 → equirect) and sim accuracy',
  async run() {
    return [await stitchBench(), await accuracyBench()];
  },
};
