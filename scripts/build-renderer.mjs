#!/usr/bin/env node
// Builds the console UI (src/renderer) into out/renderer with Vite — the bundle browser mode serves and the e2e
// tests load. The Electron build (`npm run build`) produces the same folder through electron-vite.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildRenderer({ quiet = false } = {}) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(root, 'src', 'renderer'),
    base: './',
    logLevel: quiet ? 'warn' : 'info',
    // Always the production React build, also when the build runs inside the test runner (NODE_ENV=test would
    // otherwise select React's development build, several times slower with a large fleet).
    mode: 'production',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    oxc: { jsx: { runtime: 'automatic', development: false } },
    build: { outDir: join(root, 'out', 'renderer'), emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000 },
  });
}

/** The on-robot settings page (src/robot-app-ui) into out/robot-app: a separate small bundle for `reachy-console app`. */
export async function buildRobotAppPage({ quiet = false } = {}) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(root, 'src', 'robot-app-ui'),
    base: './',
    logLevel: quiet ? 'warn' : 'info',
    mode: 'production',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    oxc: { jsx: { runtime: 'automatic', development: false } },
    build: { outDir: join(root, 'out', 'robot-app'), emptyOutDir: true, sourcemap: false },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildRenderer().then(() => buildRobotAppPage()).catch((err) => {
    process.stderr.write(`build-renderer: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
