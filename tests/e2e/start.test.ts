/**
 * The quick start as a newcomer runs it: `npm start` (scripts/start.mjs) on a machine without Electron's binary
 * says so in one line, starts browser mode with the simulator and the driver, prints the URL, and the page shows a
 * robot that moves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, SHOTS } from './harness';
import { electronBinary } from '../../src/main/app/paths';

let child: ChildProcess | null = null;
let browser: Browser | null = null;

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
});

describe('npm start', () => {
  it.skipIf(electronBinary() !== null)('falls back to browser mode with a moving simulated robot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-start-'));
    child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0'], {
      cwd: process.cwd(),
      env: { ...process.env, REACHY_CONSOLE_SETTINGS: join(dir, 'settings.json'), DISPLAY: '', WAYLAND_DISPLAY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err.slice(-2000)}`)), 90_000);
      const check = (): void => {
        const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        } else setTimeout(check, 100);
      };
      check();
    });
    const notices = err.split('\n').filter((l) => /Electron's binary/.test(l));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/npx install-electron/);

    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.getByTestId('robot-top').waitFor({ timeout: 30_000 });
    const read = async (): Promise<number> => Number((await page.getByTestId('head-rpy').innerText()).match(/-?\d+(\.\d+)?/g)?.[1] ?? NaN);
    await page.getByTestId('slider-pitch').fill('-15');
    const until = Date.now() + 30_000;
    while (Date.now() < until && !((await read()) < -8)) await page.waitForTimeout(100);
    expect(await read()).toBeLessThan(-8);
    await page.screenshot({ path: join(SHOTS, 'npm-start.png') });
  }, 150_000);
});
