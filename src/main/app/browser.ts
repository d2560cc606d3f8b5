/**
 * Runs browser mode: ConsoleHost with the real mesh/simulator/driver, the web server, and the default bring-up.
 * Shared by `reachy-console serve` and the no-Electron fallback of `reachy-console`.
 */
import { errorMessage } from '../../shared/errors';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { ConsoleHost } from '../console';
import { realBackends } from './real-backends';
import { packageRoot, rendererDir } from './paths';
import { createLogger } from '../log';
import { listenFailureLine } from '../listen-error';
import { startWebServer, type WebServer } from '../web';
import { signallingSources } from '../web';

const logger = createLogger('web');

export interface ServeOptions {
  port: number;
  /** The port was not chosen by the user: fall back to a free one when it is taken. */
  portIsDefault?: boolean;
  bindHost: string;
  /** Bring up the mesh, and the simulator + driver when the target is `sim` (default true). */
  autostart: boolean;
  /** Force the simulator regardless of the configured target. */
  sim?: boolean;
  open: boolean;
}

async function ensureRenderer(): Promise<void> {
  if (existsSync(join(rendererDir(), 'index.html'))) return;
  const script = join(packageRoot(), 'scripts', 'build-renderer.mjs');
  if (!existsSync(script)) return;
  logger.info('building the console UI (first run)…');
  const mod = (await import(pathToFileURL(script).href)) as { buildRenderer(o: { quiet: boolean }): Promise<void> };
  await mod.buildRenderer({ quiet: true });
}

/** Opens the URL in a browser where one can be opened; never fails. */
export function tryOpenBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser here; the URL is printed
  }
}

export async function runBrowserMode(opts: ServeOptions): Promise<number> {
  await ensureRenderer();
  const host = new ConsoleHost({ backends: realBackends() });
  await host.init();
  // The page may open the WebRTC signalling of the bundled simulator and of the configured robot, nothing else.
  const connectSrc = (): string[] => signallingSources(host.loadSettings().target, process.env.REACHY_SIGNALLING_URL);
  let server: WebServer;
  try {
    try {
      server = await startWebServer({ host, staticDir: rendererDir(), port: opts.port, bindHost: opts.bindHost, connectSrc });
    } catch (err) {
      // The default port is a convenience: when it is taken (a second console), use any free one.
      if (opts.portIsDefault && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        logger.info(`port ${opts.port} is in use; picking a free port`);
        server = await startWebServer({ host, staticDir: rendererDir(), port: 0, bindHost: opts.bindHost, connectSrc });
      } else throw err;
    }
  } catch (err) {
    await host.close();
    process.stderr.write(`reachy-console: ${listenFailureLine(err, { port: opts.port, host: opts.bindHost, change: '--port <n>' })}\n`);
    return 1;
  }
  process.stdout.write(`Reachy Mini Console: ${server.url}\n`);
  if (opts.bindHost !== '127.0.0.1' && opts.bindHost !== 'localhost' && opts.bindHost !== '::1') {
    logger.warn(`listening on ${opts.bindHost}: anyone who can reach this port and has the URL (token) can drive the robot`);
  }
  if (opts.autostart) {
    host.bootstrap(opts.sim ? { sim: true } : {}).catch((err: unknown) => logger.error(`bring-up: ${errorMessage(err)}`));
  }
  if (opts.open) tryOpenBrowser(server.url);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down');
      void (async () => {
        const orderly = (async () => {
          await server.close().catch(() => undefined);
          await host.close().catch(() => undefined);
        })();
        // A part that does not finish its shutdown (a stuck WebRTC session, a daemon that never answers) must not
        // keep a stopped console running: motion was stopped first, so give up waiting after 10 s and say so.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<void>((r) => {
          timer = setTimeout(() => {
            logger.warn('shutdown did not finish within 10 s; exiting anyway');
            r();
          }, 10_000);
        });
        await Promise.race([orderly, late]);
        clearTimeout(timer);
        resolve(0);
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
