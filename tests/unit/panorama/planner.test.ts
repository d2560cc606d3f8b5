import { describe, expect, it } from 'vitest';
import { planScan, spread, yawCoverage, PlanError } from '../../../src/main/panorama/planner';
import { panoramaScanOptions } from '../../../src/shared/console-api/panorama';
import { LIMITS } from '../../../src/shared/reachy';

const plan = (o: object) => planScan({ options: panoramaScanOptions.parse(o) });

describe('panorama planner', () => {
  it('builds the prior tool default grid: 5 body × 3 pitch × 5 head-yaw steps', () => {
    const p = plan({});
    expect(p.bodyYaws).toEqual([-160, -80, 0, 80, 160]);
    expect(p.pitches).toEqual([-30, 0, 30]);
    expect(p.headYaws).toEqual([-45, -22.5, 0, 22.5, 45]);
    // 5 × 3 × 5 = 75 poses, minus the 2 × 2 × 3 whose heading would pass ±180° at the ends of the body range.
    expect(p.frames).toBe(63);
    expect(p.notes.join(' ')).toMatch(/12 poses left out/);
    expect(p.coverage.likelyFull360).toBe(true);
  });

  it('never plans a head heading past ±180° (the daemon would swing the body around)', () => {
    for (const o of [{}, { full360: true }, { yawSteps: 9, bodyYawSteps: 7, pitchSteps: 5 }, { bodyYawSteps: 25, yawSteps: 25 }]) {
      for (const pose of plan(o).poses) expect(Math.abs(pose.bodyYawDeg + pose.headYawDeg)).toBeLessThan(180);
    }
  });

  it('keeps every pose inside LIMITS and the head-body rule', () => {
    for (const o of [{}, { full360: true }, { yawSteps: 9, bodyYawSteps: 7, pitchSteps: 5 }]) {
      for (const pose of plan(o).poses) {
        expect(Math.abs(pose.bodyYawDeg)).toBeLessThanOrEqual(LIMITS.bodyYawDeg.max);
        expect(Math.abs(pose.pitchDeg)).toBeLessThanOrEqual(LIMITS.headPitchDeg.max);
        expect(Math.abs(pose.headYawDeg)).toBeLessThanOrEqual(LIMITS.headYawDeg.max);
        expect(Math.abs(pose.headYawDeg)).toBeLessThanOrEqual(LIMITS.headBodyYawDiffDeg);
      }
    }
  });

  it('--full-360 picks the smallest grid whose neighbours overlap by at least 15 degrees', () => {
    const p = plan({ full360: true });
    expect(p.coverage.likelyFull360).toBe(true);
    expect(p.coverage.largestGapDeg).toBeLessThanOrEqual(p.hfovDeg - 15);
    expect(p.frames).toBeLessThan(plan({}).frames);
    // A larger overlap needs more frames.
    expect(plan({ full360: true, overlapDeg: 40 }).frames).toBeGreaterThan(p.frames);
  });

  it('explicit step counts win over --full-360', () => {
    const p = plan({ full360: true, pitchSteps: 1 });
    expect(p.pitches).toEqual([0]);
  });

  it('one step means the centre', () => {
    expect(spread(1, 45)).toEqual([0]);
    expect(plan({ bodyYawSteps: 1, pitchSteps: 1, yawSteps: 1 }).poses).toEqual([{ bodyYawDeg: 0, pitchDeg: 0, headYawDeg: 0 }]);
  });

  it('reports a gap when the grid cannot close the circle', () => {
    const c = yawCoverage([0, 10], 90);
    expect(c.likelyFull360).toBe(false);
    expect(c.largestGapDeg).toBe(350);
    expect(plan({ bodyYawSteps: 1, yawSteps: 3 }).notes.join(' ')).toMatch(/not a full circle/);
  });

  it('rejects bad options with the option name and its range', () => {
    const msg = (o: object) => {
      const r = panoramaScanOptions.safeParse(o);
      expect(r.success).toBe(false);
      return r.success ? '' : `${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`;
    };
    expect(msg({ yawSteps: -1 })).toMatch(/yawSteps.*\[1, 25\]/);
    expect(msg({ bodyYawSteps: 0 })).toMatch(/bodyYawSteps.*\[1, 25\]/);
    expect(msg({ pitchSteps: 2.5 })).toMatch(/pitchSteps.*whole number/);
    expect(msg({ pitchRangeDeg: 40 })).toMatch(/pitchRangeDeg.*\[0, 30\]/);
    expect(msg({ encoding: 'raw' })).toMatch(/encoding.*jpeg.*thumbnail/);
    expect(new PlanError('x', 'y').field).toBe('x');
  });
});
