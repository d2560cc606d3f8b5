/** `npm run bench [-- B1 B4 ...]`: runs the benchmarks (all, or the ids given) and writes bench/results.{json,md}. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setStderrLogging } from '../../src/main/log';
import { errorMessage } from '../../src/shared/errors';
import { benches } from './index';
import { fleetGrowthTable } from './b7';
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
      results.push(...(Array.isArray(r) ? r : [r]).map((x) => ({ ...x, bench: bench.id })));
    } catch (err) {
      results.push({ id: bench.id, bench: bench.id, name: bench.name, metrics: {}, target: '', pass: false, notes: `failed: ${errorMessage(err)}` });
    }
    process.stderr.write(`bench ${bench.id} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  // A run of some ids (`npm run bench -- B4`) replaces those benches' rows of the last results and keeps the others,
  // so one bench re-measured does not throw away a full run; `partial` says which rows came from which run.
  let partial: string | undefined;
  const ran = new Set(results.map((r) => r.bench));
  if (wanted.size && existsSync(join('bench', 'results.json'))) {
    try {
      const prev = JSON.parse(readFileSync(join('bench', 'results.json'), 'utf8')) as { generated_at: string; results: BenchResult[] };
      const kept = prev.results.filter((r) => r.bench && !ran.has(r.bench));
      if (kept.length) {
        partial = `${[...ran].join(', ')} measured now, the rest at ${prev.generated_at}`;
        const order = (r: BenchResult): number => benches.findIndex((b) => b.id === r.bench);
        results.splice(0, results.length, ...[...kept, ...results].sort((x, y) => order(x) - order(y)));
      }
    } catch {
      // no usable previous results: this run stands alone
    }
  }
  const table = [
    '| id | benchmark | metrics | target | met |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.name} | ${Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(', ')}${r.notes ? ` (${r.notes})` : ''} | ${r.target} | ${r.pass === null ? '-' : r.pass ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
  const tables = results
    .filter((r) => r.table)
    .map((r) => [`### ${r.id}: ${r.name}`, '', `| ${r.table!.columns.join(' | ')} |`, `|${r.table!.columns.map(() => '---').join('|')}|`, ...r.table!.rows.map((row) => `| ${row.join(' | ')} |`)].join('\n'));
  if (results.some((r) => r.id.startsWith('B7/'))) tables.push(`### B7 by fleet size: how describe_fleet grows\n\n${fleetGrowthTable(results)}`);
  mkdirSync('bench', { recursive: true });
  const os = await import('node:os');
  const machine = { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', mem_gb: Math.round(os.totalmem() / 2 ** 30), loadavg_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100) };
  const doc = { generated_at: new Date().toISOString(), node: process.version, cpus: machine.cpus, machine, ...(partial ? { partial } : {}), results };
  writeFileSync(join('bench', 'results.json.tmp'), JSON.stringify(doc, null, 2));
  renameSync(join('bench', 'results.json.tmp'), join('bench', 'results.json'));
  const header = `Generated ${doc.generated_at}${partial ? ` (${partial})` : ''} on ${machine.cpus} × ${machine.cpu_model}, ${machine.mem_gb} GB, Node ${process.version}; load average at the end ${machine.loadavg_at_end.join(' / ')}.`;
  const md = [header, '', table, ...tables.map((t) => `\n${t}`)].join('\n');
  writeFileSync(join('bench', 'results.md.tmp'), md + '\n');
  renameSync(join('bench', 'results.md.tmp'), join('bench', 'results.md'));
  process.stdout.write(md + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
