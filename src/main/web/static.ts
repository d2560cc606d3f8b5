/**
 * What both hosts of the console page share: the built renderer's files resolved without escaping their folder,
 * their content types, and the Content-Security-Policy header (browser mode over HTTP, the desktop app over its
 * `app://console/` protocol). The policy allows only the console's own origin plus the WebRTC signalling
 * endpoints the Video panel may use; no inline scripts or styles, no plugins, no framing, no forms.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, normalize, relative, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The robot daemon's WebRTC signalling port (webrtcsink's default). */
export const ROBOT_SIGNALLING_PORT = 8443;

/**
 * WebSocket endpoints the page may open besides its own origin: the bundled simulator's signalling server (a free
 * loopback port chosen at start) and the configured robot's signalling port. `target` is the console's target
 * setting ('sim', a host, or host:port); anything that is not a plain host name or address adds nothing.
 */
export function signallingSources(target?: string, signallingUrl?: string): string[] {
  // CSP host sources cannot name IPv6 literals, so [::1] cannot be listed (the simulator binds 127.0.0.1).
  const out = ['ws://127.0.0.1:*', 'ws://localhost:*'];
  if (target && target !== 'sim') {
    const host = target.replace(/:\d{1,5}$/, '');
    if (/^[A-Za-z0-9.-]{1,253}$/.test(host) && !out.some((s) => s.startsWith(`ws://${host}:`))) {
      out.push(`ws://${host}:${ROBOT_SIGNALLING_PORT}`, `wss://${host}:${ROBOT_SIGNALLING_PORT}`);
    }
  }
  if (signallingUrl) {
    try {
      const u = new URL(signallingUrl);
      if ((u.protocol === 'ws:' || u.protocol === 'wss:') && /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(u.host)) out.push(`${u.protocol}//${u.host}`);
    } catch {
      // not a URL: nothing added
    }
  }
  return [...new Set(out)];
}

export interface CspOptions {
  /** Extra connect-src sources (each a scheme://host[:port] source expression). */
  connectSrc?: string[];
  /** Desktop dev mode only: Vite's dev server injects CSS as <style> elements. */
  dev?: boolean;
}

/** The console page's Content-Security-Policy (sent as a header; frame-ancestors only works there). */
export function buildCsp(opts: CspOptions = {}): string {
  const connect = (opts.connectSrc ?? signallingSources()).filter((s) => /^wss?:\/\/[A-Za-z0-9.-]+(:(\d{1,5}|\*))?$/.test(s));
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React's style props go through the CSSOM, which style-src does not govern; inline <style> and style="" stay blocked.
    opts.dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src 'self'${connect.length ? ` ${connect.join(' ')}` : ''}`,
    "worker-src 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Headers every console page response carries. */
export function pageHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export type AssetLookup = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 404; why: string };

/**
 * Maps a URL path (still percent-encoded, as in the request) to a file under `root`. Refuses `..`, encoded
 * separators, NUL and anything whose real path (symbolic links followed) leaves `root`. '/' is index.html.
 */
export function resolveAsset(rawPathname: string, root: string): AssetLookup {
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPathname);
  } catch {
    return { ok: false, status: 400, why: 'bad path encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, why: 'bad character in path' };
  if (pathname.split('/').some((seg) => seg === '..')) return { ok: false, status: 404, why: 'path leaves the UI folder' };
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const base = resolve(root);
  const file = normalize(join(base, pathname));
  const inside = (f: string, r: string): boolean => {
    const rel = relative(r, f);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!inside(file, base)) return { ok: false, status: 404, why: 'path leaves the UI folder' };
  let real: string;
  try {
    real = realpathSync(file);
    if (!statSync(real).isFile()) return { ok: false, status: 404, why: 'not a file' };
  } catch {
    return { ok: false, status: 404, why: 'no such file' };
  }
  let realBase: string;
  try {
    realBase = realpathSync(base);
  } catch {
    return { ok: false, status: 404, why: 'no UI folder' };
  }
  if (!inside(real, realBase)) return { ok: false, status: 404, why: 'link leaves the UI folder' };
  return { ok: true, file: real, contentType: contentTypeFor(file) };
}
