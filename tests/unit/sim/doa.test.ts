import { describe, expect, it } from 'vitest';
import { simDoa, SOUND_SOURCES_DEG } from '../../../src/main/sim/doa';
import { DEFAULT_MIC_SCHEDULE as S } from '../../../src/main/sim/media/microphone';

const DEG = Math.PI / 180;
/** ms epoch inside burst k (the microphone's own schedule). */
const inBurstK = (k: number): number => (k * S.periodS + S.offsetS + S.burstS / 2) * 1000;

describe('simulated direction of arrival', () => {
  it('reports each scripted burst from its source, in the daemon\'s convention (0 = left, π/2 = front, π = right)', () => {
    for (let k = 0; k < SOUND_SOURCES_DEG.length; k++) {
      const r = simDoa(inBurstK(k), 0);
      expect(r.speech_detected).toBe(true);
      const az = SOUND_SOURCES_DEG[k];
      const expected = (((90 - az) % 360) + 360) % 360;
      expect(r.angle / DEG).toBeCloseTo(expected, 1);
    }
    expect(simDoa(inBurstK(0), 0).angle).toBeCloseTo(30 * DEG, 3); // source 60° left → 30° from the left
  });

  it('is relative to the body: turning the body toward the source brings it to the front', () => {
    expect(simDoa(inBurstK(0), 60 * DEG).angle).toBeCloseTo(Math.PI / 2, 3);
  });

  it('keeps the last direction between bursts, without speech', () => {
    const between = (S.periodS * 1 + S.offsetS + S.burstS + 0.5) * 1000;
    const r = simDoa(between, 0);
    expect(r.speech_detected).toBe(false);
    expect(r.angle).toBeCloseTo(simDoa(inBurstK(1), 0).angle, 6);
  });
});
