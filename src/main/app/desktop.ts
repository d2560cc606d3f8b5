/**
 * Electron entry, kept thin: one hardened window whose page comes from `app://console/` (CSP header, no file://),
 * the IPC wiring to ConsoleHost (src/main/console/ipc.ts), and the default bring-up (mesh from settings, simulator
 * + driver when the target is `sim`). Packaged builds also get fuses (scripts/apply-fuses.ts). See SECURITY.md.
 */
import { errorMessage } from '../../shared/errors';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleHost } from '../console';
import { realBackends } from './real-backends';
import { createIpcHandlers, makeSenderCheck, type IpcEventLike } from '../console';
import { setConfigPathPicker } from '../mcp';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, chooseRendererEntry, createAppProtocolHandler } from '../web';
import { buildCsp, signallingSources } from '../web';
import { createLogger } from '../log';

const logger = createLogger('desktop');
const here = dirname(fileURLToPath(import.meta.url)); // out/main
const preloadPath = join(here, '..', 'preload', 'index.cjs');
const rendererRoot = join(here, '..', 'renderer');
const entry = chooseRendererEntry({ isPackaged: app.isPackaged, argv: process.argv, env: process.env });
if (entry.warning) logger.warn(entry.warning);
const appUrl = entry.url;

// Must happen before the app is ready: app:// behaves like an https origin ('self' in the CSP, fetch allowed).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

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

  // The page and its CSP header (the signalling endpoints follow the configured target at each page load).
  const csp = (): string => {
    let target: string | undefined;
    try {
      target = host.loadSettings().target;
    } catch {
      target = undefined;
    }
    return buildCsp({ connectSrc: signallingSources(target, process.env.REACHY_SIGNALLING_URL) });
  };
  const serveApp = createAppProtocolHandler(rendererRoot, csp);
  protocol.handle(APP_SCHEME, (req) => serveApp({ url: req.url, method: req.method }));
  if (entry.dev) {
    // The dev server sends no CSP: add the dev variant (inline <style> for Vite's CSS, its HMR socket on loopback).
    const devOrigin = new URL(appUrl).origin;
    session.defaultSession.webRequest.onHeadersReceived({ urls: [`${devOrigin}/*`] }, (details, cb) => {
      const headers = { ...details.responseHeaders, 'Content-Security-Policy': [buildCsp({ dev: true, connectSrc: signallingSources() })] };
      cb({ responseHeaders: headers });
    });
  }
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
  // "Choose file…" for the Claude Desktop config: the path the user picks is handed to the UI only as a token.
  setConfigPathPicker(async (defaultPath) => {
    const r = await dialog.showSaveDialog(win, {
      title: 'Claude Desktop configuration file',
      defaultPath,
      filters: [{ name: 'Claude Desktop config', extensions: ['json'] }],
      properties: ['showOverwriteConfirmation', 'dontAddToRecent'],
    });
    return r.canceled || !r.filePath ? null : r.filePath;
  });
  if (entry.dev) logger.warn(`dev mode: loading the UI from ${appUrl}`);
  await win.loadURL(appUrl);

  host.bootstrap().catch((err: unknown) => logger.error(`bring-up: ${errorMessage(err)}`));

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
