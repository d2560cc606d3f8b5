/**
 * The settings app's access token: 24 random bytes (base64url), made on first use and kept with mode 0600 beside
 * the settings file so the URL stays the same across restarts and `app --print-token` can show it.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './settings';

export function tokenPath(settingsPath: string): string {
  return join(dirname(settingsPath), 'app-token');
}

const TOKEN_RE = /^[A-Za-z0-9_-]{32,128}$/;

export function loadOrCreateToken(settingsPath: string): string {
  const p = tokenPath(settingsPath);
  if (existsSync(p)) {
    const t = readFileSync(p, 'utf8').trim();
    if (TOKEN_RE.test(t)) {
      // Someone may have loosened it; a readable token is a readable password.
      if ((statSync(p).mode & 0o077) !== 0) chmodSync(p, 0o600);
      return t;
    }
  }
  const t = randomBytes(24).toString('base64url');
  writeFileAtomic(p, t + '\n', 0o600);
  return t;
}

export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
