import { describe, expect, it } from 'vitest';
import { DemoPolicy, ACTION_LAYOUT } from '../../../src/main/runner';
import type { RgbFrame } from '../../../src/main/runner';

const W = 64;
const H = 36;
function frame(paint: (x: number, y: number) => number): RgbFrame {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.fill(paint(x, y), (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, data };
}
const yawIdx = ACTION_LAYOUT.indexOf('head_yaw_deg');
const pitchIdx = ACTION_LAYOUT.indexOf('head_pitch_deg');
const state = (yaw = 0, pitch = 0, body = 0): number[] => {
  const s = new Array(16).fill(0);
  s[yawIdx] = yaw;
  s[pitchIdx] = pitch;
  s[ACTION_LAYOUT.indexOf('body_yaw_deg')] = body;
  return s;
};

describe('demo policy', () => {
  it('turns toward the brightest region (right and up → negative yaw, negative pitch)', async () => {
    const p = new DemoPolicy({ chunkLen: 4 });
    const d = await p.act(state(), frame((x, y) => (x > 50 && y < 8 ? 250 : 30)));
    expect(d.cue).toBe('brightest');
    expect(d.actions).toHaveLength(4);
    const last = d.actions[3];
    expect(last[yawIdx]).toBeLessThan(-5);
    expect(last[pitchIdx]).toBeLessThan(-3);
    // The chunk ramps from the current pose to the target.
    expect(Math.abs(d.actions[0][yawIdx])).toBeLessThan(Math.abs(last[yawIdx]));
  });

  it('prefers the most changed region while the head is still', async () => {
    const p = new DemoPolicy();
    const bright = (x: number, y: number): number => (x > 56 && y > 28 ? 255 : 40); // bright corner bottom-right
    await p.act(state(), frame(bright));
    // Something moves on the left; the head did not move between the two observations.
    const d = await p.act(state(), frame((x, y) => (x < 8 && y > 14 && y < 22 ? 200 : bright(x, y))));
    expect(d.cue).toBe('motion');
    expect(d.target.yawDeg).toBeGreaterThan(5); // left = positive yaw
  });

  it('keeps targets inside the driver limits, relative to the body', async () => {
    const p = new DemoPolicy({ gain: 1 });
    const d = await p.act(state(40, 24, 10), frame((x) => (x > 60 ? 255 : 0)));
    for (const row of d.actions) {
      expect(row[yawIdx] - 10).toBeLessThanOrEqual(40);
      expect(Math.abs(row[pitchIdx])).toBeLessThanOrEqual(25);
    }
  });

  it('sweeps slowly without a camera', async () => {
    const p = new DemoPolicy();
    const d = await p.act(state(), undefined);
    expect(d.cue).toBe('sweep');
    expect(d.actions[d.actions.length - 1][yawIdx]).not.toBe(0);
  });
});
