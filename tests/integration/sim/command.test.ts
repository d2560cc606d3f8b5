/** `reachy-console sim` as a user runs it: prints its URL, serves the daemon API, exits on SIGTERM; bad flags → 2. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'reachy-console.mjs');

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, out: () => out, err: () => err };
}

describe('reachy-console sim', () => {
  it('prints its URL, answers as a daemon, and stops on SIGTERM', async () => {
    const p = run(['--port', '0', '--mode', 'mockup', '--no-wake-up']);
    try {
      const deadline = Date.now() + 20_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\n/.test(p.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = p.out().trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const status = (await (await fetch(`${url}/api/daemon/status`)).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ mockup_sim_enabled: true, robot_name: 'reachy_mini' });
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exit).toBe(0);
  });

  it('rejects bad flags with exit code 2 and a message naming the flag', async () => {
    const p = run(['--mode', 'fast']);
    expect(await p.exit).toBe(2);
    expect(p.err()).toMatch(/--mode=fast is not allowed \(allowed: robot, mockup\)/);
    const q = run(['--port', '70000']);
    expect(await q.exit).toBe(2);
    expect(q.err()).toMatch(/--port=70000/);
  });
});
