/** `npm run bench [-- B1 B4 ...]`: runs the benchmarks (all, or the ids given) and writes bench/results.{json,md}. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setStderrLogging } from '../../src/main/log';
import { benches } from './index';
import type { BenchResult } from './harness';

async function main(): Promise<void> {
  setStderrLogging(false);
  const wanted = new Set(process.argv.slice(2).map((s) => s.toUpperCase()));
  const results: BenchResult[] = [];
  for (const bench of benches) {
    if (wanted.size && !wanted.has(bench.id.toUpperCase())) continue;
    process.stderr.write(`bench ${bench.id} ${bench.name} ...\n`);
    const started = Date.now();
    try {
      const r = await bench.run();
      results.push(...(Array.isArray(r) ? r : [r]));
    } catch (err) {
      results.push({ id: bench.id, name: bench.name, metrics: {}, target: '', pass: false, notes: `failed: ${(err as Error).message}` });
    }
    process.stderr.write(`bench ${bench.id} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const table = [
    '| id | benchmark | metrics | target | met |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.name} | ${Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(', ')}${r.notes ? ` (${r.notes})` : ''} | ${r.target} | ${r.pass === null ? '-' : r.pass ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
  mkdirSync('bench', { recursive: true });
  const doc = { generated_at: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, results };
  writeFileSync(join('bench', 'results.json.tmp'), JSON.stringify(doc, null, 2));
  renameSync(join('bench', 'results.json.tmp'), join('bench', 'results.json'));
  writeFileSync(join('bench', 'results.md'), table + '\n');
  process.stdout.write(table + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
