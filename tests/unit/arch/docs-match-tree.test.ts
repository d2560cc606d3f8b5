/**
 * The layout the docs describe is the tree: every folder and top-level file of src/main is named in
 * docs/ARCHITECTURE.md and the README's layout list, and every folder is under a layer rule in eslint.config.js
 * (a subsystem missing from the rule lists is a subsystem the build does not guard).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const main = join(root, 'src/main');
const dirs = readdirSync(main).filter((n) => statSync(join(main, n)).isDirectory());
const files = readdirSync(main).filter((n) => /\.tsx?$/.test(n));
const architecture = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const layoutList = readme.slice(readme.indexOf('Layout ('), readme.indexOf('Read next:'));
const eslintConfig = readFileSync(join(root, 'eslint.config.js'), 'utf8');

describe('docs match the tree', () => {
  it('docs/ARCHITECTURE.md names every subsystem folder and top-level file of src/main', () => {
    expect(dirs.length).toBeGreaterThan(10);
    expect(dirs.filter((d) => !architecture.includes(`${d}/`))).toEqual([]);
    expect(files.filter((f) => !architecture.includes(f))).toEqual([]);
  });
  it("the README's layout list names every subsystem of src/main", () => {
    expect(layoutList.length).toBeGreaterThan(200);
    expect(dirs.filter((d) => !layoutList.includes(`\`${d}\``) && !layoutList.includes(`\`src/main/${d}\``))).toEqual([]);
  });
  it('every subsystem is under a layer rule of eslint.config.js', () => {
    const listed = [...eslintConfig.matchAll(/const (LIBRARIES|FEATURES) = \[([^\]]*)\]/g)].flatMap((m) => [...m[2].matchAll(/'([\w-]+)'/g)].map((x) => x[1]));
    expect(dirs.filter((d) => !listed.includes(d) && d !== 'console' && d !== 'app')).toEqual([]);
  });
});

describe('source comments cite only documents in the repository', () => {
  it('no section mark (§) without a docs/ or README path nearby, no reference to ../shared or SPEC', () => {
    const bad: string[] = [];
    const walk = (dir: string): void => {
      for (const n of readdirSync(dir)) {
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs)$/.test(n)) {
          const lines = readFileSync(p, 'utf8').split('\n');
          lines.forEach((line, i) => {
            const near = lines.slice(Math.max(0, i - 3), i + 1).join('\n');
            if (line.includes('§') && !/docs\/|README/.test(near)) bad.push(`${p}:${i + 1}`);
            if (/\.\.\/shared\/(SPEC|reference)|\bSPEC(\.md)? §|reference §|prior-art [A-Z]\./.test(line)) bad.push(`${p}:${i + 1}`);
          });
        }
      }
    };
    for (const d of ['src', 'scripts', 'bin']) walk(join(root, d));
    expect(bad).toEqual([]);
  });
});
