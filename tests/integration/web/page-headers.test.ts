/**
 * Browser mode serves the console page with the same strict CSP header as the desktop app's app:// protocol, and
 * never serves a file outside the UI folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../../src/main/web/server';
import { buildCsp, signallingSources } from '../../../src/main/web/static';
import { setStderrLogging } from '../../../src/main/log';
import type { ConsoleSession } from '../../../src/main/console/host';

let server: WebServer;
let target = 'sim';

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise `..`). */
function get(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  setStderrLogging(false);
  const base = mkdtempSync(join(tmpdir(), 'web-headers-'));
  const root = join(base, 'renderer');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(base, 'secret.txt'), 'do not serve');
  const host = { openSession: (): ConsoleSession => ({ id: 1, handle: async () => ({ id: null, ok: false, error: { code: 'internal', message: 'x' } }), close: () => undefined }) };
  server = await startWebServer({ host, staticDir: root, connectSrc: () => signallingSources(target) });
});
afterAll(async () => server?.close());

describe('browser-mode page headers', () => {
  it('sends the strict CSP header: own origin and signalling only, no inline styles, no framing', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(buildCsp({ connectSrc: signallingSources('sim') }));
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|connect-src[^;]* wss?:(\s|;)/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The configured robot's signalling endpoint is allowed from the next page load on.
    target = 'reachy-mini.local';
    expect(String((await get('/index.html')).headers['content-security-policy'])).toContain('ws://reachy-mini.local:8443');
  });

  it('refuses paths outside the UI folder, with the same headers', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const res = await get(p);
      expect([p, res.status]).toEqual([p, expect.any(Number)]);
      expect(res.status === 404 || res.status === 400).toBe(true);
      expect(res.body).not.toContain('do not serve');
      expect(res.headers['content-security-policy']).toBeDefined();
    }
  });
});
