/**
 * Benchmark harness (README.md "Benchmarks"). Each benchmark is a file in tests/bench/ exporting a `Bench`; tests/bench/index.ts
 * lists them. `npm run bench` runs them in order against a real local nats-server and the simulator, and writes
 * bench/results.json plus a readable table (bench/results.md, also printed).
 */
export interface BenchResult {
  id: string; // "B1"
  /** The bench that produced it (set by run.ts), so a partial run replaces exactly its own rows. */
  bench?: string;
  name: string;
  /** Raw measurements, e.g. { p50_ms, p99_ms, floor_p50_ms, ratio_p50 }. */
  metrics: Record<string, number>;
  /** The target in words, e.g. "p50 ≤ 1.25× floor". */
  target: string;
  /** Whether the target was met in this run; null when not applicable. */
  pass: boolean | null;
  notes?: string;
  /** A small table printed under the summary (how a cost grows with size). */
  table?: { columns: string[]; rows: Array<Array<string | number>> };
}

export interface Bench {
  id: string;
  name: string;
  run(): Promise<BenchResult | BenchResult[]>;
}

export function percentile(sortedOrNot: number[], p: number): number {
  const s = [...sortedOrNot].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
