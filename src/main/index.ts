/**
 * Electron entry, kept thin: one hardened window, the IPC wiring to ConsoleHost (src/main/console/ipc.ts), and the
 * default bring-up (mesh from settings, simulator + driver when the target is `sim`). See SECURITY.md.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConsoleHost } from './console/host';
import { realBackends } from './console/real-backends';
import { createIpcHandlers, makeSenderCheck, type IpcEventLike } from './console/ipc';
import { createLogger } from './log';

const logger = createLogger('desktop');
const here = dirname(fileURLToPath(import.meta.url)); // out/main
const preloadPath = join(here, '..', 'preload', 'index.cjs');
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appUrl = devUrl ?? pathToFileURL(join(here, '..', 'renderer', 'index.html')).href;

function toEventLike(e: IpcMainInvokeEvent): IpcEventLike {
  return {
    sender: {
      id: e.sender.id,
      send: (channel, ...args) => e.sender.send(channel, ...args),
      once: (_ev, cb) => e.sender.once('destroyed', cb),
    },
    senderFrame: e.senderFrame ? { url: e.senderFrame.url } : null,
  };
}

async function main(): Promise<void> {
  app.enableSandbox();
  await app.whenReady();

  // Deny every permission request (camera, mic, notifications...) by default; WebRTC video needs none to receive.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (ev, url) => {
      if (url !== appUrl) ev.preventDefault();
    });
    contents.on('will-redirect', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });

  const host = new ConsoleHost({ backends: realBackends() });
  await host.init();
  const isTrusted = makeSenderCheck(appUrl);
  for (const [channel, handler] of createIpcHandlers(host, isTrusted)) {
    ipcMain.handle(channel, (e, params: unknown) => handler(toEventLike(e), params));
  }

  const win = new BrowserWindow({
    width: 1440,
    height: 940,
    title: 'Reachy Mini Console',
    backgroundColor: '#0f1217',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
    },
  });
  await win.loadURL(appUrl);

  host.bootstrap().catch((err: unknown) => logger.error(`bring-up: ${(err as Error).message}`));

  app.on('window-all-closed', () => app.quit());
  let closing = false;
  app.on('before-quit', (ev) => {
    if (closing) return;
    closing = true;
    ev.preventDefault();
    host.close().finally(() => app.exit(0));
  });
}

main().catch((err: unknown) => {
  logger.error(`the desktop console failed to start: ${(err as Error).stack ?? String(err)}`);
  app.exit(1);
});
