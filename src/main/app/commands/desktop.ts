import { errorMessage } from '../../../shared/errors';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command';
import { runBrowserMode } from '../browser';
import { electronBinary, packageRoot } from '../paths';

export const command: CliCommand = {
  summary: 'the console: desktop window, or browser mode with the simulator when Electron is missing',
  help: `Usage: reachy-console [desktop] [--port N]

Opens the operator console. With Electron's binary installed (\`npx install-electron\`) it is a desktop window;
otherwise it starts browser mode on 127.0.0.1 with the simulator and the bundled driver running, prints the URL
and opens it in a browser where one is available.
  --port N   browser-mode port (default 8765)`,
  async run(argv) {
    const portIdx = argv.indexOf('--port');
    const port = portIdx >= 0 ? Number(argv[portIdx + 1]) : 8765;
    const electron = electronBinary();
    const root = packageRoot();
    if (electron && !existsSync(join(root, 'out', 'main', 'index.js')) && existsSync(join(root, 'electron.vite.config.ts'))) {
      process.stderr.write('reachy-console: building the desktop app (first run)…\n');
      try {
        const { build } = await import('electron-vite');
        await build({ root });
      } catch (err) {
        process.stderr.write(`reachy-console: desktop build failed: ${errorMessage(err)}\n`);
      }
    }
    if (electron && existsSync(join(root, 'out', 'main', 'index.js'))) {
      const child = spawn(electron, [root], { stdio: 'inherit' });
      return new Promise<number>((resolve) => {
        child.on('exit', (code) => resolve(code ?? 0));
        child.on('error', (err) => {
          process.stderr.write(`reachy-console: could not start Electron (${err.message}); use \`reachy-console serve\`\n`);
          resolve(1);
        });
      });
    }
    process.stderr.write(
      electron
        ? 'reachy-console: the desktop build is missing (run `npm run build`); starting browser mode instead\n'
        : "reachy-console: the desktop shell needs Electron's binary (`npx install-electron` with internet access); starting browser mode with the simulator instead\n",
    );
    const valid = portIdx >= 0 && Number.isInteger(port) && port >= 0 && port <= 65535;
    if (portIdx >= 0 && !valid) {
      process.stderr.write(`reachy-console: --port=${argv[portIdx + 1] ?? ''} must be an integer in [0, 65535]\n`);
      return 2;
    }
    return runBrowserMode({ port: valid ? port : 8765, portIsDefault: !valid, bindHost: '127.0.0.1', autostart: true, sim: true, open: true });
  },
};
