import { describe, expect, it } from 'vitest';
import { PushedMediaSource } from '../../../src/main/media/pushed-source';
import { MediaUnsupportedError } from '../../../src/main/media/types';

describe('PushedMediaSource (robot stream handed over by a media renderer)', () => {
  it('has nothing to give until frames and audio arrive, then returns exactly those', async () => {
    const src = new PushedMediaSource();
    expect(src.capabilities()).toMatchObject({ videoInput: false, audioInput: false });
    await expect(src.captureFrame()).rejects.toBeInstanceOf(MediaUnsupportedError);
    await expect(src.captureAudio(100)).rejects.toBeInstanceOf(MediaUnsupportedError);

    const data = Buffer.alloc(64 * 32 * 3, 200);
    src.pushFrame({ width: 64, height: 32, data, ts: Date.now() });
    const full = await src.captureFrame();
    expect(full.data.equals(data)).toBe(true);
    const small = await src.captureFrame(16);
    expect([small.width, small.height]).toEqual([16, 8]);

    src.pushMicAudio({ sampleRate: 16000, channels: 1, samples: new Float32Array(1600).fill(0.5), startS: 10 });
    const a = await src.captureAudio(50);
    expect(a.samples.length).toBe(800);
    expect(a.samples.every((x) => x === 0.5)).toBe(true);
    expect(a.startS).toBeCloseTo(10.05, 6);
  });

  it('refuses a stale frame instead of passing it off as live', async () => {
    const src = new PushedMediaSource('test', 16000, 1000);
    src.pushFrame({ width: 2, height: 2, data: Buffer.alloc(12), ts: Date.now() - 5000 });
    await expect(src.captureFrame()).rejects.toThrow(/stale/);
  });
});
