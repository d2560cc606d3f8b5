#!/usr/bin/env node
// Regenerates the README's benchmark table from bench/results.json (written by `npm run bench`), between the
// `<!-- bench:start -->` and `<!-- bench:end -->` markers, headed by the machine and load of that run. The table is
// never typed by hand: `npm run bench && node scripts/bench-readme.mjs`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
const doc = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const m = doc.machine ?? {};
const when = String(doc.generated_at).slice(0, 16).replace('T', ' ');
const header =
  `From \`npm run bench\` on ${when} UTC, ${m.cpus ?? doc.cpus} × ${m.cpu_model ?? 'unknown CPU'}, ${m.mem_gb ?? '?'} GB, Node ` +
  `${doc.node}; load average at the end ${(m.loadavg_at_end ?? []).join(' / ')}` +
  (doc.partial ? ` (rows measured in separate runs: ${doc.partial})` : '') +
  '. Metrics are as the bench names them (`bench/results.md` has the notes and the growth tables).';
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rows = doc.results.map((r) => {
  const metrics = Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(', ');
  const met = r.pass === null ? '-' : r.pass ? 'yes' : '**no**';
  return `| ${r.id} | ${cell(r.name)} | ${cell(metrics || (r.notes ?? ''))} | ${cell(r.target)} | ${met} |`;
});
const table = [header, '', '| id | benchmark | result | target | met |', '|---|---|---|---|---|', ...rows].join('\n');

const readme = readFileSync(readmePath, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  process.stderr.write(`README.md has no ${START} … ${END} block\n`);
  process.exit(1);
}
const next = `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`;
writeFileSync(`${readmePath}.tmp`, next);
renameSync(`${readmePath}.tmp`, readmePath);
process.stdout.write(`README.md: ${rows.length} benchmark rows from ${doc.generated_at}\n`);
