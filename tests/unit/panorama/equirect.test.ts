import { describe, expect, it } from 'vitest';
import { SIM_CAMERA, scaleIntrinsics } from '../../../src/shared/camera-model';
import { stitchEquirect, autoEquirectWidth, type StitchFrame } from '../../../src/main/panorama/equirect';
import { proceduralScene, renderPinhole } from '../../../src/main/panorama/synthetic';
import { measureAlignment } from '../../../src/main/panorama/alignment';
import { cameraRotationFromRpy } from '../../../src/main/panorama/pose-math';
import { planScan } from '../../../src/main/panorama/planner';
import { panoramaScanOptions } from '../../../src/shared/console-api/panorama';

// Frames rendered from a known scene with the shared camera model; stitching them back must reproduce the scene.
const W = 1024;
const scene = proceduralScene(W, W / 2, 11);
const k = scaleIntrinsics(SIM_CAMERA, 320);
const plan = planScan({ options: panoramaScanOptions.parse({ full360: true }) });

function framesFor(yawErrorDeg = 0): StitchFrame[] {
  return plan.poses.map((p) => {
    const truth = cameraRotationFromRpy({ rollDeg: 0, pitchDeg: p.pitchDeg, yawDeg: p.bodyYawDeg + p.headYawDeg });
    const img = renderPinhole(scene, k, truth);
    return {
      data: img.data,
      width: img.width,
      height: img.height,
      channels: 3,
      // What the stitcher believes (a wrong belief shifts the content).
      rWorldCam: cameraRotationFromRpy({ rollDeg: 0, pitchDeg: p.pitchDeg, yawDeg: p.bodyYawDeg + p.headYawDeg + yawErrorDeg }),
    };
  });
}

describe('equirect stitcher', () => {
  const frames = framesFor();

  it('reprojects frames from known poses back onto the scene within a fraction of a pixel', () => {
    const pano = stitchEquirect(frames, { intrinsics: SIM_CAMERA, width: W });
    expect(pano.width).toBe(W);
    expect(pano.height).toBe(W / 2);
    // ±30° pitch with a 58.7° vertical FOV sees latitudes up to about ±59°: ≈ 2/3 of the sphere's rows.
    expect(pano.coverage).toBeGreaterThan(0.6);
    const rep = measureAlignment(pano, scene);
    expect(rep.patches).toBeGreaterThan(100);
    expect(rep.medianErrorPx).toBeLessThan(0.35);
  });

  it('shows a pose error as a proportional misalignment (the metric can fail)', () => {
    const pano = stitchEquirect(framesFor(1.5), { intrinsics: SIM_CAMERA, width: W });
    const rep = measureAlignment(pano, scene);
    // 1.5° at 1024 px / 360° ≈ 4.3 px.
    expect(rep.medianErrorPx).toBeGreaterThan(3.3);
    expect(rep.medianErrorPx).toBeLessThan(5.3);
  });

  it('leaves pixels no frame saw uncovered and fills them with the background', () => {
    const one = stitchEquirect([frames[0]], { intrinsics: SIM_CAMERA, width: 512, background: [1, 2, 3] });
    expect(one.coverage).toBeGreaterThan(0.02);
    expect(one.coverage).toBeLessThan(0.2);
    const i = one.weight.findIndex((w) => w === 0);
    expect(Array.from(one.data.slice(i * 3, i * 3 + 3))).toEqual([1, 2, 3]);
  });

  it('feathers seams: overlapping frames blend with no visible step', () => {
    const pano = stitchEquirect(frames, { intrinsics: SIM_CAMERA, width: W });
    // Mean absolute difference to the scene over covered pixels stays at resampling-noise level.
    let sum = 0, n = 0;
    for (let i = 0; i < pano.weight.length; i++) {
      if (!(pano.weight[i] > 0)) continue;
      for (let c = 0; c < 3; c++) sum += Math.abs(pano.data[i * 3 + c] - scene.data[i * 3 + c]);
      n += 3;
    }
    expect(sum / n).toBeLessThan(12);
  });

  it('picks an output width from the frames angular resolution', () => {
    expect(autoEquirectWidth(SIM_CAMERA, 640)).toBe(1984);
    expect(autoEquirectWidth(SIM_CAMERA, 1280)).toBe(4032);
  });
});
