#!/usr/bin/env node
// Counts the import picture docs/ARCHITECTURE.md describes: imports that cross a layer the wrong way, imports that
// reach into another subsystem past its index.ts, and files outside the composition root (src/main/app) that compose
// (define a CLI command, or start the simulator/driver stack). Rerun: `node scripts/arch-stats.mjs [--list] [--check]`
// (`--check` exits 1 unless all three are zero; it also sees dynamic import(), which the lint rule does not).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const list = process.argv.includes('--list');
const LIBRARIES = new Set(['mesh', 'reachy', 'media', 'sim', 'driver']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveSpec(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const c of [base + '.ts', base + '.tsx', join(base, 'index.ts'), base]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      /* try the next */
    }
  }
  return base + '.ts';
}

/** 'shared' | 'renderer' | 'preload' | 'robot-app-ui' | 'main:<subsystem>' | 'main:' (a file directly in src/main). */
function unitOf(file) {
  const r = relative(join(root, 'src'), file).split('/');
  if (r[0] !== 'main') return r[0];
  return r.length > 2 ? `main:${r[1]}` : 'main:';
}

const files = walk(join(root, 'src'));
const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const cross = [];
const bypass = [];
const composers = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const from = unitOf(file);
  const rel = relative(root, file);
  if (!rel.startsWith('src/main/app/') && rel.startsWith('src/main/')) {
    // Composing: defining a CLI command, or starting another subsystem (the simulator, the driver, the sim stack).
    const calls = (name, home) => !rel.startsWith(`src/main/${home}/`) && new RegExp(`(?<![.\\w])${name}\\(`).test(text.replace(/function \w+\(/g, '').replace(/^\s*(async\s+)?\w+\(/gm, ''));
    if (/export const command\b/.test(text) || calls('startSimulator', 'sim') || calls('startReachyDriver', 'driver') || calls('startSimStack', '-') || calls('attachSimMedia', 'sim'))
      composers.push(rel);
  }
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = resolveSpec(file, spec);
    if (!target) continue;
    const to = unitOf(target);
    const trel = relative(root, target);
    if (from === to) continue;
    const edge = `${rel} -> ${trel}`;
    const fromMain = from.startsWith('main');
    const toMain = to.startsWith('main');
    // Layer rules: shared imports only shared; renderer/preload/robot-app-ui only themselves and shared; main never
    // imports a UI; a library never imports a feature; only app imports app.
    let bad = false;
    if (from === 'shared') bad = true;
    else if (!fromMain && to !== 'shared') bad = true;
    else if (fromMain && !toMain && to !== 'shared') bad = true;
    else if (fromMain && toMain) {
      const a = from.slice(5);
      const b = to.slice(5);
      if (LIBRARIES.has(a) && b !== '' && !LIBRARIES.has(b)) bad = true;
      if (b === 'app' && a !== 'app') bad = true;
      if (b === 'console' && a !== 'app' && a !== 'console') bad = true;
    }
    if (bad) cross.push(edge);
    // Index rule: into another subsystem of src/main only through its index.ts.
    if (fromMain && toMain && to !== 'main:' && !/\/index\.ts$/.test(trel.replace(/^src\/main\/[^/]+\//, '/'))) {
      if (trel.split('/').length !== 4 || !trel.endsWith('/index.ts')) bypass.push(edge);
    }
  }
}
const show = (title, arr) => {
  console.log(`${title}: ${arr.length}`);
  if (list) for (const e of arr) console.log(`  ${e}`);
};
show('cross-layer imports', cross);
show('index bypasses', bypass);
show('files that compose outside src/main/app', composers);
if (process.argv.includes('--check') && cross.length + bypass.length + composers.length > 0) process.exitCode = 1;
