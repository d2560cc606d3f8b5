/**
 * Liveness on a busy machine: the daemon (here the simulator in its own process) keeps streaming while this
 * process is blocked for longer than the 1 s liveness window. When the loop runs again the frames are waiting in
 * the socket: the link must not be reported lost (a busy console is not a lost robot). A real stall still trips
 * within the window (faults.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionState, DaemonClient } from '../../../src/main/reachy';
import { createDaemonClient, parseTargetString } from '../../../src/main/reachy';
import { setStderrLogging } from '../../../src/main/log';
import { waitFor } from '../sim/util';

setStderrLogging(false);

let child: ChildProcess;
let client: DaemonClient;

beforeAll(async () => {
  child = spawn(process.execPath, ['bin/reachy-console.mjs', 'sim', '--port', '0', '--host', '127.0.0.1', '--mode', 'mockup'], {
    cwd: process.cwd(),
    env: { ...process.env, REACHY_MINI_DRIVER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`simulator did not start: ${out.slice(-500)}`)), 40_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  client = createDaemonClient({ target: parseTargetString(url.replace('http://', '')), transportMode: 'websocket' });
  await client.start();
  await waitFor(() => client.connection().status === 'connected' && client.latestState() !== null, 10_000);
}, 60_000);

afterAll(async () => {
  await client?.close();
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
});

describe('state liveness on a busy machine', () => {
  it('a 1.5 s blocked event loop, with the daemon still streaming, is not reported as a lost link', async () => {
    const changes: ConnectionState[] = [];
    const off = client.onConnection((s) => changes.push(s));
    // Let a liveness check tick happen, then block this process (the simulator, in its own process, keeps sending).
    await new Promise((r) => setTimeout(r, 300));
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      // busy: a long synchronous task on the event loop
    }
    const before = client.latestState()!.receivedAt;
    await new Promise((r) => setTimeout(r, 600));
    off();
    expect(changes.filter((s) => s.status === 'lost')).toEqual([]);
    expect(client.connection().status).toBe('connected');
    expect(client.latestState()!.receivedAt).toBeGreaterThan(before);
  });
});
