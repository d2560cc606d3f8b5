/** `reachy-console sim` as a user runs it: prints its URL, serves the daemon API, exits on SIGTERM; bad flags → 2. */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
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

  it('serves the camera and the WebRTC producer, as the README says', async () => {
    const p = run(['--port', '0', '--mode', 'mockup', '--no-wake-up']);
    try {
      const deadline = Date.now() + 20_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\n/.test(p.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = p.out().trim();
      const frame = await fetch(`${url}/api/camera/frame?max_edge=160`);
      expect(frame.status).toBe(200);
      const [w, h] = [Number(frame.headers.get('x-frame-width')), Number(frame.headers.get('x-frame-height'))];
      expect(Math.max(w, h)).toBe(160);
      const rgb = new Uint8Array(await frame.arrayBuffer());
      expect(rgb.length).toBe(w * h * 3);
      // A rendered scene, not a blank buffer: many distinct values.
      expect(new Set(rgb).size).toBeGreaterThan(50);

      const info = (await (await fetch(`${url}/api/media/webrtc`)).json()) as { signalling_url: string | null; producer: string };
      expect(info.signalling_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      // The signalling server lists the camera's producer (it registers while ffmpeg starts: poll briefly).
      const ws = new WebSocket(info.signalling_url!);
      const msgs: Array<{ type: string; producers?: Array<{ meta?: { name?: string } }> }> = [];
      ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString()) as (typeof msgs)[number]));
      await new Promise<void>((r, j) => {
        ws.once('open', () => r());
        ws.once('error', j);
      });
      let names: Array<string | undefined> = [];
      const until = Date.now() + 15_000;
      while (!names.includes('reachymini') && Date.now() < until) {
        ws.send(JSON.stringify({ type: 'list' }));
        await new Promise((r) => setTimeout(r, 200));
        const lists = msgs.filter((m) => m.type === 'list');
        names = (lists[lists.length - 1]?.producers ?? []).map((x) => x.meta?.name);
      }
      ws.close();
      expect(names).toContain(info.producer);
      expect(info.producer).toBe('reachymini');
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
