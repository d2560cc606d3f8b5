/**
 * Stitching runs on a worker thread (the console's event loop, which carries the robot's 50 Hz state, stays free)
 * and gives exactly the panorama the in-thread accumulator gives.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SIM_CAMERA, scaleIntrinsics } from '../../../src/shared/camera-model';
import { cameraRotationFromRpy } from '../../../src/main/panorama/pose-math';
import { proceduralScene, renderPinhole } from '../../../src/main/panorama/synthetic';
import { stitchHere, stitchJpegFramesOffThread } from '../../../src/main/panorama/stitch-worker';
import { stitchJpegFrames } from '../../../src/main/panorama/outputs';

describe('panorama stitch worker', () => {
  it('stitches off the main thread to the same bytes as on it, and stitchJpegFrames uses it', async () => {
    const scene = proceduralScene(1024, 512);
    const k = scaleIntrinsics(SIM_CAMERA, 320);
    const frames = await Promise.all(
      [-120, -60, 0, 60, 120, 180].map(async (yawDeg, i) => {
        const orientation = { rollDeg: 0, pitchDeg: i % 2 ? 15 : -15, yawDeg };
        const img = renderPinhole(scene, k, cameraRotationFromRpy(orientation));
        const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
        return { jpeg, width: img.width, orientation };
      }),
    );
    const opts = { intrinsics: SIM_CAMERA, width: 512 };
    const here = await stitchHere(frames, opts);
    const there = await stitchJpegFramesOffThread(frames, SIM_CAMERA, 512);
    expect(there.width).toBe(512);
    expect(there.height).toBe(256);
    expect(there.thread).toBe('worker');
    expect(there.coverage).toBeGreaterThan(0.3);
    expect(there.coverage).toBe(here.coverage);
    expect(Buffer.from(there.data).equals(Buffer.from(here.data))).toBe(true);
    expect(Buffer.from(there.weight.buffer).equals(Buffer.from(here.weight.buffer))).toBe(true);
    const viaOutputs = await stitchJpegFrames(frames, SIM_CAMERA, 512);
    expect(Buffer.from(viaOutputs.data).equals(Buffer.from(here.data))).toBe(true);
  });
});
