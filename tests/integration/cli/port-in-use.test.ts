/**
 * Every CLI command that opens a port, started on a port that is taken: one line naming the port and the flag that
 * changes it, no stack trace, exit code 1 (and the process ends by itself).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'reachy-console.mjs');

function run(args: string[]): Promise<{ code: number | null; err: string; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REACHY_CONSOLE_SETTINGS: '/nonexistent/settings.json' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // A command that wrongly keeps running is killed, and the exit code (null) fails the test.
  const t = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, err, out });
    }),
  );
}

let taken: Server;
let port = 0;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => taken.close(() => r())));

function expectOneLine(r: { code: number | null; err: string }, command: string, flag: string): void {
  expect(r.code).toBe(1);
  expect(r.err).not.toMatch(/^\s+at /m); // no stack trace
  const lines = r.err.split('\n').filter((l) => l.includes(String(port)));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`reachy-console${command ? ` ${command}` : ''}: port ${port} on 127.0.0.1 is already in use`);
  expect(lines[0]).toContain(`choose another with ${flag} <n>`);
}

describe('a port in use', () => {
  it('sim --port', async () => {
    const r = await run(['sim', '--port', String(port), '--no-wake-up']);
    expectOneLine(r, 'sim', '--port');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('sim --webrtc-port (its WebRTC signalling server)', async () => {
    const r = await run(['sim', '--port', '0', '--webrtc-port', String(port), '--no-wake-up']);
    expectOneLine(r, 'sim', '--webrtc-port');
    expect(r.out).toBe(''); // no URL printed for a simulator that is not serving
  });

  it('policy-server --demo --port', async () => {
    const r = await run(['policy-server', '--demo', '--port', String(port)]);
    expectOneLine(r, 'policy-server', '--port');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('serve --port (browser mode; also the desktop command without Electron)', async () => {
    const r = await run(['serve', '--port', String(port), '--no-autostart']);
    expectOneLine(r, '', '--port');
  });
});
