/** The app's access token file and its command-line flags. */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadOrCreateToken, tokenMatches, tokenPath } from '../../../src/main/robot-app/token';
import { parseAppArgs, runApp } from '../../../src/main/app/commands/app';
import { UsageError } from '../../../src/main/app/command';

describe('app token', () => {
  it('is made once, stored 0600 beside the settings, and reused; a loosened mode is tightened', () => {
    const settings = join(mkdtempSync(join(tmpdir(), 'robot-app-token-')), 'cfg', 'device_connect_app.json');
    const t = loadOrCreateToken(settings);
    expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tokenPath(settings)).toBe(join(settings, '..', 'app-token'));
    expect(statSync(tokenPath(settings)).mode & 0o777).toBe(0o600);
    chmodSync(tokenPath(settings), 0o644);
    expect(loadOrCreateToken(settings)).toBe(t);
    expect(statSync(tokenPath(settings)).mode & 0o777).toBe(0o600);
    // A damaged token file is replaced, not trusted.
    writeFileSync(tokenPath(settings), 'short\n');
    const t2 = loadOrCreateToken(settings);
    expect(t2).not.toBe('short');
    expect(readFileSync(tokenPath(settings), 'utf8').trim()).toBe(t2);
    expect(tokenMatches(t2, t2)).toBe(true);
    expect(tokenMatches(t2.slice(1), t2)).toBe(false);
    expect(tokenMatches(undefined, t2)).toBe(false);
  });

  it('--print-token prints the token and the page URL, then exits 0 without serving', async () => {
    const settings = join(mkdtempSync(join(tmpdir(), 'robot-app-token-')), 's.json');
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      expect(await runApp(['--print-token', '--settings', settings, '--bind', '127.0.0.1'], {})).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const token = readFileSync(tokenPath(settings), 'utf8').trim();
    expect(out.join('')).toBe(`${token}\nhttp://127.0.0.1:8842/#token=${token}\n`);
  });
});

describe('app flags', () => {
  it('turn into the environment that overrides the file; bad flags are usage errors naming the flag', () => {
    const a = parseAppArgs(['--portal', '--portal-credentials', '/x/c.json', '--api-port', '8100', '--target', '10.0.0.2', '--port', '0'], { NATS_URL: 'nats://old:4222' });
    expect(a.env).toMatchObject({ DEVICE_CONNECT_PORTAL: 'true', NATS_CREDENTIALS_FILE: '/x/c.json', REACHY_PORT: '8100', REACHY_TARGET: '10.0.0.2' });
    expect(a.port).toBe(0);
    expect(() => parseAppArgs(['--transport-mode', 'zenoh'], {})).toThrow(UsageError);
    expect(() => parseAppArgs(['--transport-mode', 'zenoh'], {})).toThrow(/REACHY_TRANSPORT_MODE=zenoh/);
    expect(() => parseAppArgs(['--port', '70000'], {})).toThrow(/--port=70000/);
    expect(() => parseAppArgs(['--api-port', 'x'], {})).toThrow(/--api-port: REACHY_PORT=x must be an integer/);
    // A bad environment variable does not stop the app (the page shows it); only flags are usage errors.
    expect(parseAppArgs([], { REACHY_TRANSPORT_MODE: 'zenoh' }).port).toBe(8842);
  });
});
