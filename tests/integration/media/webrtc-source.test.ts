/**
 * The driver-side WebRTC media source (for a real robot) against the simulator's producer: it negotiates through
 * the signalling server, decodes the VP8 stream with ffmpeg and serves frames that show what the camera sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { attachSimMedia, type SimMedia } from '../../../src/main/sim/media';
import { WebrtcMediaSource } from '../../../src/main/media/webrtc-source';
import type { RgbFrame } from '../../../src/main/media/types';
import { setStderrLogging } from '../../../src/main/log';

const meanDiff = (a: RgbFrame, b: RgbFrame): number => {
  let s = 0;
  for (let i = 0; i < a.data.length; i += 7) s += Math.abs(a.data[i] - b.data[i]);
  return s / Math.ceil(a.data.length / 7);
};

describe('WebrtcMediaSource (robot stream consumer in Node)', () => {
  let sim: Simulator;
  let media: SimMedia;
  let source: WebrtcMediaSource;
  beforeAll(async () => {
    setStderrLogging(false);
    sim = await startSimulator({ port: 0, mode: 'mockup', seed: 5 });
    await sim.ready();
    media = await attachSimMedia(sim, { webrtc: { width: 640, fps: 10 } });
    source = new WebrtcMediaSource({ signallingUrl: media.webrtcInfo().signalling_url!, width: 640, height: 360 });
  });
  afterAll(async () => {
    await source?.close();
    await media?.close();
    await sim?.stop();
  });

  it('answers unsupported before the stream arrives, then frames of the camera view', async () => {
    await expect(source.captureFrame()).rejects.toThrow(/no video frame/);
    source.start();
    const end = Date.now() + 20_000;
    while (!source.capabilities().videoInput && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(source.capabilities().videoInput, source.status).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // let quality settle past the first keyframe
    const got = await source.captureFrame();
    expect([got.width, got.height]).toEqual([640, 360]);
    const truth = await media.frame(640);
    const elsewhere = (await media.getCamera()).render(
      [0.5, -0.866, 0, 0, 0.866, 0.5, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], // yawed by -60°
      640,
    );
    const dSame = meanDiff(got, truth);
    expect(dSame).toBeLessThan(12);
    expect(meanDiff(got, elsewhere)).toBeGreaterThan(dSame * 3);
  });
});
