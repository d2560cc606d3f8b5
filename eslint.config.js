import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of docs/ARCHITECTURE.md, enforced on import specifiers (relative imports, so each rule is written per
// folder depth). One config object per file group: ESLint does not merge two `no-restricted-imports` settings.
const LIBRARIES = ['mesh', 'reachy', 'media', 'sim', 'driver'];
const FEATURES = ['mcp', 'panorama', 'runner', 'robot-app', 'record', 'web'];
const SRC = 'ts,tsx';
const MSG = {
  door: 'Import another subsystem only through its index.ts (docs/ARCHITECTURE.md, "Layers").',
  ui: 'src/main never imports a UI; contracts between processes live in src/shared.',
  app: 'Only src/main/app composes: nothing else imports it.',
  console: 'Only src/main/app wires ConsoleHost; a feature plugs in as a ConsoleService (src/main/service.ts).',
  feature: 'A library (mesh, reachy, media, sim, driver) never imports a feature or the console.',
  shared: 'src/shared imports nothing outside src/shared: no Node, DOM or Electron, no src/main or UI code.',
  client: 'A UI or the preload imports only its own folder and src/shared.',
};
const up = (n) => `(\\.\\./){${n}}`;
const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** Rules for files `depth` folders below src/main/<subsystem>/ (depth 1 = directly in it). */
function mainLayer(kind, depth) {
  const u = up(depth);
  const p = [
    // sim/media is the simulator's lazily loaded media door (its own index.ts).
    { regex: `^${u}(?!sim/media$)[\\w-]+/.+`, message: MSG.door },
    { regex: `^${u}\\.\\./(renderer|preload|robot-app-ui)(/|$)`, message: MSG.ui },
  ];
  if (kind !== 'app') p.push({ regex: `^${u}app(/|$)`, message: MSG.app });
  if (kind !== 'app' && kind !== 'console') p.push({ regex: `^${u}console(/|$)`, message: MSG.console });
  if (kind === 'library') p.push({ regex: `^${u}(${FEATURES.join('|')})(/|$)`, message: MSG.feature });
  return p;
}

const layerConfigs = [];
for (const [kind, dirs] of [
  ['library', LIBRARIES],
  ['feature', FEATURES],
  ['console', ['console']],
  ['app', ['app']],
]) {
  for (const depth of [1, 2, 3]) {
    const files = dirs.map((d) => `src/main/${d}/${'*/'.repeat(depth - 1)}*.{${SRC}}`);
    layerConfigs.push({ files, rules: rule(mainLayer(kind, depth)) });
  }
}
// The few files directly in src/main (log, errors, the ConsoleService contract): any subsystem may use them, so they
// import only libraries and src/shared.
layerConfigs.push({
  files: [`src/main/*.{${SRC}}`],
  rules: rule([
    { regex: `^\\./[\\w-]+/.+`, message: MSG.door },
    { regex: `^\\./(app|console|${FEATURES.join('|')})(/|$)`, message: MSG.app },
    { regex: `^\\.\\./(renderer|preload|robot-app-ui)(/|$)`, message: MSG.ui },
  ]),
});
layerConfigs.push({
  files: [`src/shared/**/*.{${SRC}}`],
  rules: rule([
    { regex: `^(\\.\\./)+(main|renderer|preload|robot-app-ui)(/|$)`, message: MSG.shared },
    { regex: '^(node:|electron$|ws$|sharp$|react)', message: MSG.shared },
  ]),
});
for (const dir of ['renderer', 'robot-app-ui', 'preload']) {
  const others = ['main', 'renderer', 'robot-app-ui', 'preload'].filter((d) => d !== dir).join('|');
  layerConfigs.push({
    files: [`src/${dir}/**/*.{${SRC}}`],
    rules: rule([
      { regex: `^(\\.\\./)+(${others})(/|$)`, message: MSG.client },
      { regex: dir === 'preload' ? '^node:' : '^(node:|electron$)', message: MSG.client },
    ]),
  });
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'bench/**', 'coverage/**', 'test-results/**', 'tests/fixtures/layers/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerConfigs,
  {
    // One way to turn a thrown value into text: errorMessage() (src/shared/errors.ts). The cast prints `undefined`
    // for a thrown string or object.
    files: [`src/**/*.{${SRC}}`],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='message'] > TSAsExpression.object[typeAnnotation.typeName.name='Error']",
          message: 'Use errorMessage(err) from src/shared/errors.ts: `(err as Error).message` prints undefined for a non-Error.',
        },
        {
          selector: "ConditionalExpression[test.operator='instanceof'][test.right.name='Error'][consequent.property.name='message']",
          message: 'Use errorMessage(err) from src/shared/errors.ts (the one helper), not a local `instanceof Error ? … : String(…)`.',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
