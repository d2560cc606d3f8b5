import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { meshConfigFrom, parsePanoramaArgs } from '../../../src/main/app/commands/panorama';
import { frameFileName, writeMosaics, type CapturedFrame } from '../../../src/main/panorama/outputs';
import { ensureWritableDir } from '../../../src/main/panorama/files';
import { SIM_CAMERA, scaleIntrinsics } from '../../../src/shared/camera-model';
import { proceduralScene, renderPinhole } from '../../../src/main/panorama/synthetic';
import { cameraRotationFromRpy } from '../../../src/main/panorama/pose-math';

const tmp = mkdtempSync(join(tmpdir(), 'pano-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('reachy-console panorama flags', () => {
  it('maps the prior tool flags onto scan options', () => {
    const a = parsePanoramaArgs([
      '--device-id', 'r2', '--full-360', '--yaw-steps', '3', '--body-yaw-steps', '4', '--pitch-steps', '2',
      '--max-edge', '320', '--quality', '70', '--encoding', 'thumbnail', '--no-align-head-home',
      '--body-drift-tolerance-deg', '5', '--output', join(tmp, 'o'),
    ]);
    expect(a.options).toMatchObject({
      deviceId: 'r2', full360: true, yawSteps: 3, bodyYawSteps: 4, pitchSteps: 2, maxEdge: 320, quality: 70,
      encoding: 'thumbnail', alignHeadHome: false, bodyDriftToleranceDeg: 5,
    });
    expect(a.output).toBe(join(tmp, 'o'));
    expect(parsePanoramaArgs([]).options).toMatchObject({ full360: false, alignHeadHome: true, maxEdge: 640, quality: 82, encoding: 'jpeg' });
  });

  it('names the flag and its range for bad values', () => {
    expect(() => parsePanoramaArgs(['--pitch-steps', '-2'])).toThrow(/--pitch-steps=-2: must be in \[1, 15\]/);
    expect(() => parsePanoramaArgs(['--yaw-range-deg', '60'])).toThrow(/--yaw-range-deg=60: outside safe range \[0, 45\]/);
    expect(() => parsePanoramaArgs(['--quality', 'high'])).toThrow(/--quality=high is not a number/);
    expect(() => parsePanoramaArgs(['--discovery-mode', 'mdns'])).toThrow(/--discovery-mode=mdns: must be d2d or infra/);
    expect(() => parsePanoramaArgs(['--messaging-url', 'http://x'])).toThrow(/--messaging-url=http:\/\/x/);
    expect(() => parsePanoramaArgs(['--bogus'])).toThrow(/bogus/);
  });

  it('reads the mesh from flags over env, as the driver', () => {
    const env = { NATS_URL: 'nats://a:4222', TENANT: 't1', DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' };
    expect(meshConfigFrom({ allowInsecure: false }, env)).toMatchObject({ backend: 'nats', urls: ['nats://a:4222'], tenant: 't1', allowInsecure: true, discoveryMode: 'd2d' });
    // Nothing configured: the local broker, as the driver's default.
    expect(meshConfigFrom({ allowInsecure: false }, {})).toMatchObject({ backend: 'nats', urls: ['nats://127.0.0.1:4222'], allowInsecure: false });
    expect(meshConfigFrom({ urls: ['nats://b:1'], tenant: 't2', allowInsecure: false, discoveryMode: 'infra' }, env)).toMatchObject({ urls: ['nats://b:1'], tenant: 't2', discoveryMode: 'infra' });
  });

  it('refuses an output folder that cannot be written', async () => {
    await expect(ensureWritableDir('/proc/panorama-test/out')).rejects.toThrow(/--output=\/proc\/panorama-test\/out is not a writable folder/);
    await ensureWritableDir(join(tmp, 'a', 'b'));
    expect(existsSync(join(tmp, 'a', 'b'))).toBe(true);
  });
});

describe('panorama outputs', () => {
  it('names frames as the prior tool', () => {
    expect(frameFileName(7, { bodyYawDeg: -160, pitchDeg: 30, headYawDeg: 22.5 })).toBe('frame_007_body_-160_pitch_+030_yaw_+22.5.jpg');
  });

  it('writes per-pitch strips, the grid, the single strip and the equirect panorama', async () => {
    const scene = proceduralScene(512, 256, 5);
    const k = scaleIntrinsics(SIM_CAMERA, 160);
    const frames: CapturedFrame[] = [];
    let i = 0;
    for (const pitch of [-20, 20])
      for (const yaw of [-60, 0, 60]) {
        const orientation = { rollDeg: 0, pitchDeg: pitch, yawDeg: yaw };
        const img = renderPinhole(scene, k, cameraRotationFromRpy(orientation));
        const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg().toBuffer();
        frames.push({ index: i, file: `f${i++}.jpg`, jpeg, width: img.width, height: img.height, pitchDeg: pitch, worldYawDeg: yaw, orientation });
      }
    const dir = join(tmp, 'mosaics');
    await ensureWritableDir(dir);
    const out = await writeMosaics(frames, { dir, intrinsics: SIM_CAMERA, quality: 80, equirectWidth: 512 });
    expect(out.strips).toEqual(['strip_pitch_-020.jpg', 'strip_pitch_+020.jpg']);
    expect(out.grid).toBe('panorama_grid.jpg');
    expect(out.strip).toBe('panorama_strip.jpg');
    expect(out.equirect).toBe('panorama_equirect.jpg');
    const grid = await sharp(join(dir, 'panorama_grid.jpg')).metadata();
    expect([grid.width, grid.height]).toEqual([3 * 160, 2 * 90]);
    const eq = await sharp(join(dir, 'panorama_equirect.jpg')).metadata();
    expect([eq.width, eq.height]).toEqual([512, 256]);
    expect(out.equirectCoverage).toBeGreaterThan(0.2);
    // Atomic writes leave no temp files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
