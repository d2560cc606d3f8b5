/**
 * The desktop window's page source, as plain functions (no `electron` import) so they are tested in Node: the
 * console is served from `app://console/` (a privileged, secure, standard scheme handled in the main process,
 * with the same CSP header as browser mode) instead of file://, and a dev-server URL replaces it only in an
 * explicit dev mode of an unpackaged app.
 */
import { readFile } from 'node:fs/promises';
import { pageHeaders, resolveAsset } from './static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Privileges for protocol.registerSchemesAsPrivileged: an https-like origin for the page, nothing more. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
} as const;

/** The parts of a protocol request the handler reads (Electron passes a fetch Request). */
export interface AppRequestLike {
  url: string;
  method: string;
}

/** protocol.handle's handler for `app:`: files of the built renderer under `root`, each with the CSP header. */
export function createAppProtocolHandler(root: string, csp: () => string): (req: AppRequestLike) => Promise<Response> {
  return async (req) => {
    const headers = pageHeaders(csp());
    const text = (status: number, body: string): Response => new Response(body, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return text(400, 'bad URL');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return text(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed');
    const asset = resolveAsset(url.pathname, root);
    if (!asset.ok) return text(asset.status, asset.status === 400 ? 'bad path' : 'not found');
    const body = req.method === 'HEAD' ? null : await readFile(asset.file);
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': asset.contentType } });
  };
}

export interface RendererEntry {
  /** The URL the window loads; IPC trusts exactly this page's origin. */
  url: string;
  dev: boolean;
  /** Said once at start when a dev-server URL was present but not used. */
  warning?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The page to load. A dev server (ELECTRON_RENDERER_URL, set by `npm run dev`) is honoured only when the app is not
 * packaged AND was started with `--dev` AND the URL is http(s) on loopback; otherwise the built page over app://.
 */
export function chooseRendererEntry(o: { isPackaged: boolean; argv: readonly string[]; env: NodeJS.ProcessEnv }): RendererEntry {
  const devUrl = o.env.ELECTRON_RENDERER_URL;
  const wantsDev = o.argv.includes('--dev');
  const built: RendererEntry = { url: APP_URL, dev: false };
  if (o.isPackaged) {
    return devUrl || wantsDev ? { ...built, warning: 'a packaged app always loads its own page; --dev and ELECTRON_RENDERER_URL are ignored' } : built;
  }
  if (!wantsDev) {
    return devUrl ? { ...built, warning: 'ELECTRON_RENDERER_URL is ignored without --dev (npm run dev sets both)' } : built;
  }
  if (!devUrl) return { ...built, warning: '--dev without ELECTRON_RENDERER_URL: loading the built page' };
  let u: URL;
  try {
    u = new URL(devUrl);
  } catch {
    return { ...built, warning: 'ELECTRON_RENDERER_URL is not a URL; loading the built page' };
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !LOOPBACK.has(u.hostname) || u.username || u.password) {
    return { ...built, warning: `ELECTRON_RENDERER_URL must be an http(s) URL on this machine (localhost); ignored ${u.protocol}//${u.host}` };
  }
  return { url: u.href, dev: true };
}
