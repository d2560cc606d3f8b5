import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

// main: the Electron entry and the CLI (the CLI never imports electron); preload; renderer (React).
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/main/app/desktop.ts'), cli: resolve('src/main/app/cli.ts') },
      },
    },
  },
  preload: {
    // A sandboxed preload cannot require() packages or be ESM: bundle everything into one CommonJS file.
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    // The dev server (npm run dev) stays on this machine; the desktop app accepts it only on loopback.
    server: { host: '127.0.0.1' },
    build: { outDir: resolve('out/renderer'), rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
  },
});
