/** `reachy-console run` and `policy-server` as a user types them (child processes under tsx). */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'src/main/app/cli.ts');
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'runner-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cliRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('reachy-console run', () => {
  it('runs examples/robot.yaml on the simulator with the demo policy and prints the result as JSON', async () => {
    const r = await cliRun(['run', 'examples/robot.yaml', '--sim', '--demo', '--json', '--max-steps', '3', '--mode', 'apply_actions']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(out).toMatchObject({ ok: true, config: 'examples/robot.yaml', steps: 3, appliedSteps: 3, safeStops: 0, errors: [] });
  });

  it('a bad config exits 2 naming the bad fields, before anything starts', async () => {
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(f, 'mode: fast\ntarget: { kind: pigeon }\nhardware: { kind: reachy_mini }\n');
    const r = await cliRun(['run', f, '--sim', '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout.trim()) as { ok: boolean; issues: { path: string }[] };
    expect(out.ok).toBe(false);
    expect(out.issues.map((i) => i.path)).toContain('mode');
    expect(r.stderr).not.toMatch(/simulator|driver/i); // nothing was started
  });

  it('bad flags exit 2 with the flag named', async () => {
    const r = await cliRun(['run', 'examples/robot.yaml', '--mode', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mode=fast must be dry_run or apply_actions/);
  });
});

describe('reachy-console policy-server --demo', () => {
  it('serves the metadata frame on its websocket and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'policy-server', '--demo', '--port', '0'], { cwd: root });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /(ws:\/\/127\.0\.0\.1:\d+\/) \(JSON\)/.exec(err);
          if (m) resolve(m[1]);
        });
        child.once('exit', () => reject(new Error(`exited early: ${err}`)));
      });
      const meta = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('message', (d) => {
          resolve(JSON.parse(d.toString()) as Record<string, unknown>);
          ws.close();
        });
        ws.once('error', reject);
      });
      expect(meta).toMatchObject({ type: 'metadata', action_dim: 9, action_layout: expect.arrayContaining(['head_yaw_deg']) });
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
