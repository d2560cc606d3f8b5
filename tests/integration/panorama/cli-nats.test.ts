/**
 * `reachy-console panorama` as a user runs it: a separate process on a real nats-server, scanning a simulated robot
 * served by the driver over NATS. Exit codes as the prior tool: 0 written, 2 device not found in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { attachSimMedia } from '../../../src/main/sim/media';
import { targetForSimulator } from '../../../src/main/reachy';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';
import { manifestSchema } from '../../../src/main/panorama/manifest';

const ROOT = new URL('../../../', import.meta.url).pathname;

function runCli(args: string[], onStderr?: (text: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'panorama', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (sig) => child.kill(sig));
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('reachy-console panorama on a real nats-server', () => {
  let nats: NatsServerHandle;
  let sim: Simulator;
  let conn: MeshConnection;
  let driver: ReachyDriverHandle;
  let tmp: string;
  let mesh: string[];

  beforeAll(async () => {
    setStderrLogging(false);
    tmp = mkdtempSync(join(tmpdir(), 'pano-cli-'));
    nats = await startNatsServer();
    sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'mockup', seed: 4, wakeUpOnStart: true });
    await sim.ready();
    await attachSimMedia(sim, { webrtc: false });
    conn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
    driver = await startReachyDriver({ connection: conn, target: targetForSimulator(sim), deviceId: 'pano-nats-1', stateHz: 0, heartbeatLogS: 0 });
    mesh = ['--messaging-url', nats.url, '--allow-insecure', '--discovery-mode', 'd2d'];
  }, 60_000);

  afterAll(async () => {
    await driver?.close().catch(() => undefined);
    await conn?.close().catch(() => undefined);
    await sim?.stop();
    await nats?.stop();
    rmSync(tmp, { recursive: true, force: true });
    setStderrLogging(true);
  });

  it('scans and exits 0 with the outputs written', async () => {
    const out = join(tmp, 'scan');
    const r = await runCli(['--device-id', 'pano-nats-1', '--body-yaw-steps', '2', '--body-yaw-range-deg', '90', '--pitch-steps', '1', '--yaw-steps', '2', '--settle-s', '0.1', '--output', out, '--timeout-s', '20', ...mesh]);
    expect(r.code, r.stderr).toBe(0);
    const m = manifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.status).toBe('complete');
    expect(m.frames).toHaveLength(4);
    expect(existsSync(join(out, 'panorama_equirect.jpg'))).toBe(true);
    expect(existsSync(join(out, 'panorama_grid.jpg'))).toBe(true);
  }, 90_000);

  it('Ctrl-C cancels: robot stopped, lease released, partial outputs and a cancelled manifest', async () => {
    const out = join(tmp, 'interrupted');
    let sent = false;
    const r = await runCli(['--device-id', 'pano-nats-1', '--body-yaw-steps', '3', '--pitch-steps', '2', '--yaw-steps', '3', '--settle-s', '0.1', '--output', out, '--timeout-s', '20', ...mesh], (text, kill) => {
      if (!sent && /\[2\/14\] moving/.test(text)) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    const m = manifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.status).toBe('cancelled');
    expect(m.frames.length).toBeGreaterThanOrEqual(2);
    expect(m.frames.length).toBeLessThan(14);
    expect(existsSync(join(out, 'panorama_equirect.jpg'))).toBe(true);
    const st = (await driver.mesh.invoke('pano-nats-1', 'get_status', {})) as { driver_state: { lease_active: boolean; execution_state: string } };
    expect(st.driver_state.lease_active).toBe(false);
    expect(st.driver_state.execution_state).toBe('idle');
  }, 90_000);

  it('exits 2 when the device does not appear in time, writing nothing', async () => {
    const out = join(tmp, 'ghost');
    const r = await runCli(['--device-id', 'ghost-robot', '--output', out, '--timeout-s', '1', ...mesh]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/device 'ghost-robot' not found on the mesh within 1 s/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  }, 60_000);
});
