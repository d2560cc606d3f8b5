/**
 * The simulator's microphone: deterministic 16 kHz mono audio as a pure function of the sim clock, so tests can
 * predict it. A quiet room (seeded noise, RMS ≈ 0.003) with scripted speech-like bursts: every `periodS` seconds a
 * burst of `burstS` seconds starts at `offsetS` — a 140 Hz voiced tone with harmonics, amplitude-modulated at a
 * syllable rate of 4 Hz (RMS ≈ 0.15).
 */
export const MIC_SAMPLE_RATE = 16_000;

export interface MicSchedule {
  periodS: number;
  offsetS: number;
  burstS: number;
}

export const DEFAULT_MIC_SCHEDULE: MicSchedule = { periodS: 6, offsetS: 2, burstS: 1.5 };

/** Whether sim time `t` (s) is inside a scripted burst. */
export function inBurst(t: number, s: MicSchedule = DEFAULT_MIC_SCHEDULE): boolean {
  const phase = ((t % s.periodS) + s.periodS) % s.periodS;
  return phase >= s.offsetS && phase < s.offsetS + s.burstS;
}

/** Start times (s) of the bursts overlapping [from, to). */
export function burstsBetween(from: number, to: number, s: MicSchedule = DEFAULT_MIC_SCHEDULE): number[] {
  const out: number[] = [];
  for (let k = Math.floor((from - s.offsetS - s.burstS) / s.periodS); k * s.periodS + s.offsetS < to; k++) {
    const start = k * s.periodS + s.offsetS;
    if (start + s.burstS > from) out.push(start);
  }
  return out;
}

function noise(index: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296 - 0.5;
}

/** One sample at absolute sample index `n` (t = n / 16000). */
export function micSample(n: number, s: MicSchedule = DEFAULT_MIC_SCHEDULE): number {
  const t = n / MIC_SAMPLE_RATE;
  let x = noise(n) * 0.01; // uniform ±0.005 → RMS ≈ 0.0029
  if (inBurst(t, s)) {
    const phase = ((t % s.periodS) + s.periodS) % s.periodS - s.offsetS;
    // Syllable envelope (4 Hz, never fully silent inside a burst) with 20 ms fades at the burst edges.
    const syll = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * phase);
    const edge = Math.min(1, phase / 0.02, (s.burstS - phase) / 0.02);
    const f0 = 140 * (1 + 0.05 * Math.sin(2 * Math.PI * 1.3 * phase));
    const voiced =
      Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(4 * Math.PI * f0 * t) + 0.25 * Math.sin(6 * Math.PI * f0 * t);
    x += 0.2 * syll * edge * voiced;
  }
  return x;
}

export class SimMicrophone {
  constructor(readonly schedule: MicSchedule = DEFAULT_MIC_SCHEDULE) {}

  /** `durationMs` of audio ending at sim time `endS`. */
  read(endS: number, durationMs: number): { startS: number; samples: Float32Array } {
    const count = Math.max(1, Math.round((durationMs / 1000) * MIC_SAMPLE_RATE));
    const endN = Math.floor(endS * MIC_SAMPLE_RATE);
    const startN = endN - count;
    const samples = new Float32Array(count);
    for (let i = 0; i < count; i++) samples[i] = micSample(startN + i, this.schedule);
    return { startS: startN / MIC_SAMPLE_RATE, samples };
  }
}
