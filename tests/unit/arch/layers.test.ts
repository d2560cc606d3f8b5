/**
 * The layer rules of docs/ARCHITECTURE.md are enforced by the build: each fixture in tests/fixtures/layers breaks one
 * rule and must fail `npm run lint` (linted as if it lived at its `lint-as` path) or `npm run typecheck` (compiled
 * with its `typecheck-as` project). The same fixtures pass where the rule does not apply, so a failure here is the
 * rule, not a broken fixture.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../..');
const dir = join(root, 'tests/fixtures/layers');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const header = (text: string, key: string): string | undefined => new RegExp(`^// ${key}: (.+)$`, 'm').exec(text)?.[1].trim();

const eslint = new ESLint({ cwd: root });
async function restrictedImports(text: string, asPath: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(root, asPath) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

function typeErrors(file: string, project: string): string[] {
  const cfg = ts.readConfigFile(join(root, project), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  const program = ts.createProgram({ rootNames: [file], options: parsed.options });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('lint: each layer rule rejects an import that breaks it', () => {
  const lintFixtures = fixtures.filter((f) => header(f.text, 'lint-as'));
  it('has a fixture for every rule', () => {
    expect(lintFixtures.length).toBeGreaterThanOrEqual(10);
  });
  for (const { name, text } of lintFixtures) {
    const asPath = header(text, 'lint-as') as string;
    const expected = header(text, 'expect') as string;
    it(`${name} as ${asPath}: ${expected}`, async () => {
      const messages = await restrictedImports(text, asPath);
      if (expected === 'nothing') expect(messages).toEqual([]);
      else expect(messages.join('\n')).toContain(expected);
    });
  }
  it('the same imports are allowed in tests (the rules are the layers, not a blanket ban)', async () => {
    for (const { text } of lintFixtures) expect(await restrictedImports(text, 'tests/unit/arch/fixture.ts')).toEqual([]);
  });
});

describe('typecheck: each process gets only its own platform types', () => {
  for (const { name, text } of fixtures.filter((f) => header(f.text, 'typecheck-as'))) {
    const project = header(text, 'typecheck-as') as string;
    it(`${name} fails under ${project} and compiles where both Node and DOM exist`, () => {
      const file = join(dir, name);
      const errors = typeErrors(file, project);
      expect(errors.join('\n')).toMatch(/Cannot find (name|module)/);
      expect(typeErrors(file, 'tsconfig.tests.json')).toEqual([]);
    }, 30_000);
  }
});

describe('the import picture of the whole tree', () => {
  it('has no cross-layer import, no index bypass (static or dynamic) and no composing file outside src/main/app', () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts/arch-stats.mjs'), '--list'], { encoding: 'utf8' });
    expect(out).toBe('cross-layer imports: 0\nindex bypasses: 0\nfiles that compose outside src/main/app: 0\n');
  });
});
