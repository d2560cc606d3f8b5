/**
 * The Reachy Mini dashboard wrapper (deploy/reachy-mini-app) run as the dashboard would run a process: its main
 * starts `reachy-console app`, which serves the settings page; SIGINT to the wrapper reaches the app, both exit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/nats-server';
import { until } from '../driver/stack';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('deploy/reachy-mini-app', () => {
  it('declares the entry point group reachy_mini_apps and the settings URL on :8842', () => {
    const toml = readFileSync('deploy/reachy-mini-app/pyproject.toml', 'utf8');
    expect(toml).toMatch(/\[project\.entry-points\."reachy_mini_apps"\]\s*\nreachy_console = "reachy_console_app\.main:ReachyConsoleApp"/);
  });

  it('python3 main: starts the app, forwards SIGINT, and exits with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robot-app-wrapper-'));
    const port = await freePort();
    const py = spawn('python3', ['deploy/reachy-mini-app/reachy_console_app/main.py', '--bind', '127.0.0.1'], {
      env: {
        ...process.env,
        REACHY_CONSOLE_BIN: `${process.execPath} ${join(process.cwd(), 'bin', 'reachy-console.mjs')}`,
        REACHY_CONSOLE_APP_PORT: String(port),
        REACHY_CONSOLE_APP_SETTINGS: join(dir, 'device_connect_app.json'),
        NATS_URL: '',
        MESSAGING_URLS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    py.stdout.on('data', (d: Buffer) => (out += d.toString()));
    py.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => py.once('exit', (code) => r(code)));
    try {
      const childPid = Number((await until(() => /app started \(pid (\d+)\)/.exec(err)?.[1], 15_000, 50)));
      // The settings declared by the wrapper: the page answers on the port it was given.
      const health = await until(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null);
        return r?.ok ? ((await r.json()) as { service: string }) : null;
      }, 30_000, 200);
      expect(health.service).toBe('reachy_console_app');
      // The URL line and the health answer travel on different pipes: either may be read first.
      const urlLine = new RegExp(`Reachy Mini settings: http://127\\.0\\.0\\.1:${port}/#token=`);
      await until(() => urlLine.test(out), 5000, 50);
      expect(alive(childPid)).toBe(true);

      py.kill('SIGINT');
      expect(await exited).toBe(0);
      await until(() => !alive(childPid), 5000, 50);
      expect(err).toMatch(/SIGINT: stopping the driver/);
      await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
    } finally {
      if (py.exitCode === null) py.kill('SIGKILL');
    }
  }, 60_000);
});
