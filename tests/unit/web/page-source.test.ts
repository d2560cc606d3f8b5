/**
 * The console page's sources, tested in Node (no Electron binary here): file lookup that never leaves the UI
 * folder, content types, the strict CSP, the app:// protocol handler, and when a dev-server URL may replace the page.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCsp, contentTypeFor, resolveAsset, signallingSources } from '../../../src/main/web/static';
import { APP_URL, chooseRendererEntry, createAppProtocolHandler } from '../../../src/main/web/app-protocol';

function uiFolder(): { root: string; secret: string } {
  const base = mkdtempSync(join(tmpdir(), 'ui-'));
  const root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(root, 'assets', 'main.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, 'do not serve');
  symlinkSync(secret, join(root, 'assets', 'link.txt'));
  symlinkSync(base, join(root, 'up'));
  return { root, secret };
}

describe('resolveAsset', () => {
  const { root } = uiFolder();
  it('serves the UI files with their types', () => {
    expect(resolveAsset('/', root)).toMatchObject({ ok: true, file: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveAsset('/assets/main.js', root)).toMatchObject({ ok: true, contentType: 'text/javascript; charset=utf-8' });
    expect(resolveAsset('/assets/style.css', root)).toMatchObject({ ok: true, contentType: 'text/css; charset=utf-8' });
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });
  it('refuses traversal in every spelling, and links that leave the folder', () => {
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2E%2E/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/a%00.html', '/%E0%A4%A', '/assets/link.txt', '/up/secret.txt', '/assets', '/nope.js']) {
      const r = resolveAsset(p, root);
      expect(r.ok, p).toBe(false);
    }
  });
});

describe('the page CSP', () => {
  it('allows only its own origin and the signalling endpoints; no inline script or style, no framing', () => {
    const csp = buildCsp({ connectSrc: signallingSources('reachy-mini.local') });
    const d = Object.fromEntries(csp.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1)]));
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['connect-src']).toEqual(["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*', 'ws://reachy-mini.local:8443', 'wss://reachy-mini.local:8443']);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|(^|\s)wss?:(\s|;|$)|(^|\s)\*(\s|;|$)/);
  });
  it('allows inline <style> only for the desktop dev server (Vite injects CSS that way)', () => {
    expect(buildCsp({ dev: true })).toContain("style-src 'self' 'unsafe-inline';");
    expect(buildCsp({ dev: false })).toContain("style-src 'self';");
    expect(buildCsp({ dev: true })).toContain("script-src 'self';");
  });
  it('adds nothing for the sim target, and ignores a target or URL that is not a plain host', () => {
    expect(signallingSources('sim')).toEqual(['ws://127.0.0.1:*', 'ws://localhost:*']);
    expect(signallingSources(undefined, 'ws://[::1]:9000/')).toHaveLength(2); // CSP cannot name IPv6 literals
    expect(signallingSources('robot:8000')).toContain('ws://robot:8443');
    expect(signallingSources("x; script-src 'unsafe-inline'")).toHaveLength(2);
    expect(signallingSources(undefined, 'ws://10.0.0.5:9000/path')).toContain('ws://10.0.0.5:9000');
    expect(signallingSources(undefined, 'javascript:alert(1)')).toHaveLength(2);
    expect(buildCsp({ connectSrc: ["'unsafe-eval'", 'ws://ok:1', 'https://x y', 'ws://[::1]:*'] })).toContain("connect-src 'self' ws://ok:1;");
  });
});

describe('app://console protocol handler', () => {
  const { root } = uiFolder();
  const csp = buildCsp();
  const handle = createAppProtocolHandler(root, () => csp);
  it('serves the page with the CSP header', async () => {
    const res = await handle({ url: APP_URL, method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>console</title>');
    const js = await handle({ url: 'app://console/assets/main.js', method: 'GET' });
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  });
  it('refuses other hosts, traversal, links out and writes', async () => {
    const cases: Array<[string, string, number]> = [
      ['app://evil/index.html', 'GET', 404],
      ['app://console/../secret.txt', 'GET', 404],
      ['app://console/%2e%2e/secret.txt', 'GET', 404],
      ['app://console/assets/link.txt', 'GET', 404],
      ['app://console/index.html', 'POST', 405],
      ['file:///etc/passwd', 'GET', 404],
    ];
    for (const [url, method, status] of cases) {
      const res = await handle({ url, method });
      expect([url, res.status]).toEqual([url, status]);
      expect(await res.text()).not.toContain('do not serve');
      expect(res.headers.get('content-security-policy')).toBe(csp);
    }
  });
});

describe('which page the desktop window loads', () => {
  const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173/' };
  it('loads app://console unless an unpackaged app runs with --dev and a loopback dev server', () => {
    expect(chooseRendererEntry({ isPackaged: false, argv: ['electron', '.'], env: {} })).toEqual({ url: APP_URL, dev: false });
    expect(chooseRendererEntry({ isPackaged: false, argv: ['electron', '.'], env: dev })).toMatchObject({ url: APP_URL, dev: false, warning: expect.stringMatching(/ignored without --dev/) });
    expect(chooseRendererEntry({ isPackaged: true, argv: ['x', '--dev'], env: dev })).toMatchObject({ url: APP_URL, dev: false, warning: expect.stringMatching(/packaged/) });
    expect(chooseRendererEntry({ isPackaged: false, argv: ['x', '--dev'], env: dev })).toEqual({ url: 'http://localhost:5173/', dev: true });
    expect(chooseRendererEntry({ isPackaged: false, argv: ['x', '--dev'], env: { ELECTRON_RENDERER_URL: 'http://[::1]:5173' } })).toMatchObject({ dev: true });
    for (const u of ['https://evil.example/', 'http://192.168.1.9:5173/', 'file:///tmp/x.html', 'http://user:pw@localhost:5173/', 'nonsense']) {
      expect(chooseRendererEntry({ isPackaged: false, argv: ['x', '--dev'], env: { ELECTRON_RENDERER_URL: u } }), u).toMatchObject({ url: APP_URL, dev: false });
    }
  });
});
