/**
 * `reachy-console driver --sim` as users run it: a separate process spawned from bin/ (the real function table on the
 * real simulator, media on unless asked otherwise), plus the helpers the benches use on it: time to serve, RSS and
 * CPU from /proc, and a MeshClient in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import type { MeshClient } from '../../src/main/mesh/types';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * How bin/reachy-console.mjs runs the CLI (bin/entry.mjs): the out/cli bundle (an installed package, and a checkout
 * whose bundle is current), 'rebuild' (a checkout just after an edit: esbuild first, then the bundle), or the
 * TypeScript sources through tsx (only when forced).
 */
export type CliForm = 'bundle' | 'rebuild' | 'src';

export interface DriverProc {
  deviceId: string;
  form: CliForm;
  pid: number;
  client: MeshClient;
  /** performance.now() at spawn (this process's clock). */
  spawnedAt: number;
  /** Spawn to the driver's "Subscribed to commands" log line. */
  readyLineMs: number;
  /** Spawn to the driver's first log line: node start-up and loading the CLI's modules (built first in 'rebuild'). */
  firstLogMs: number;
  /** Spawn to the first successful get_status reply over NATS. */
  firstReplyMs: number;
  stderr(): string;
  close(): Promise<void>;
}

/** Resident set size of a process in MB (Linux /proc; NaN elsewhere). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** user + system CPU seconds of a process so far (Linux; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Builds out/cli unless it is current, outside any timed window (what a checkout's first start would do). */
async function ensureBundle(): Promise<void> {
  const { chooseEntry } = (await import(pathToFileURL(join(ROOT, 'bin', 'entry.mjs')).href)) as { chooseEntry(root: string, env: Record<string, string>): { form?: string } };
  if (chooseEntry(ROOT, {}).form === 'bundle') return;
  const { buildCli } = (await import(pathToFileURL(join(ROOT, 'scripts', 'build-cli.mjs')).href)) as { buildCli(o: { quiet: boolean; prune: 'old' }): Promise<unknown> };
  await buildCli({ quiet: true, prune: 'old' });
}

/**
 * `form` (default 'bundle', what a checkout and an installed package run) is forced with REACHY_CONSOLE_ENTRY so
 * what a bench measures never depends on the state of out/cli without saying so.
 */
export async function spawnDriver(
  natsUrl: string,
  opts: { deviceId?: string; media?: boolean; stateHz?: number; form?: CliForm } = {},
): Promise<DriverProc> {
  const form = opts.form ?? 'bundle';
  if (form === 'bundle') await ensureBundle();
  const deviceId = opts.deviceId ?? 'bench-reachy-1';
  const args = ['bin/reachy-console.mjs', 'driver', '--sim', '--device-id', deviceId, '--messaging-url', natsUrl, '--allow-insecure', '--discovery-mode', 'd2d'];
  if (opts.media === false) args.push('--no-media');
  if (opts.stateHz !== undefined) args.push('--state-hz', String(opts.stateHz));
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', REACHY_MINI_DRIVER_LOG_LEVEL: 'info', REACHY_CONSOLE_ENTRY: form },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let readyLineMs = NaN;
  let firstLogMs = NaN;
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (Number.isNaN(firstLogMs)) firstLogMs = performance.now() - t0;
    if (Number.isNaN(readyLineMs) && err.includes('Subscribed to commands')) readyLineMs = performance.now() - t0;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const conn = await openMesh(meshConfigFromEnv({}, { urls: [natsUrl], allowInsecure: true, discoveryMode: 'd2d' }));
  const client = createMeshClient({ connection: conn, ownsConnection: true, discoveryWaitMs: 200 });
  const close = async (): Promise<void> => {
    await client.close().catch(() => undefined);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
  };
  let firstReplyMs = NaN;
  const deadline = performance.now() + 60_000;
  while (Number.isNaN(firstReplyMs)) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await close();
      throw new Error(`driver --sim did not serve: ${err.slice(-500)}`);
    }
    try {
      await client.invoke(deviceId, 'get_status', {}, { timeoutMs: 300 });
      firstReplyMs = performance.now() - t0;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return { deviceId, form, spawnedAt: t0, pid: child.pid!, client, readyLineMs, firstLogMs, firstReplyMs, stderr: () => err, close };
}
