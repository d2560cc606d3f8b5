/**
 * Fault tests (real time): the client reports a lost link quickly and recovers by itself when the simulator
 * drops `/ws/sdk`, stalls, answers 503, or is killed and restarted on the same port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionState, DaemonClient } from '../../../src/main/reachy';
import { createDaemonClient, targetForSimulator } from '../../../src/main/reachy';
import { INIT_HEAD_POSE } from '../../../src/main/reachy/kinematics';
import { startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { setStderrLogging } from '../../../src/main/log';
import { waitFor } from '../sim/util';

setStderrLogging(false);

/** Runs a fault and returns how long until the client said `lost`. */
async function timeToLoss(client: DaemonClient, fault: () => unknown, budgetMs: number): Promise<{ ms: number; state: ConnectionState }> {
  expect(client.connection().status).toBe('connected');
  const t0 = Date.now();
  const lost = new Promise<ConnectionState>((resolve) => {
    const off = client.onConnection((s) => {
      if (s.status === 'lost') {
        off();
        resolve(s);
      }
    });
  });
  await fault();
  const state = await Promise.race([lost, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('loss not reported')), budgetMs + 2000))]);
  return { ms: Date.now() - t0, state };
}

async function recovered(client: DaemonClient): Promise<void> {
  const n = client.latestState()?.receivedAt ?? 0;
  await waitFor(() => client.connection().status === 'connected' && (client.latestState()?.receivedAt ?? 0) > n, 8000);
}

describe('websocket transport faults', () => {
  let sim: Simulator;
  let client: DaemonClient;
  beforeAll(async () => {
    sim = await startSimulator({ mode: 'mockup' });
    await sim.ready();
    client = createDaemonClient({ target: targetForSimulator(sim), transportMode: 'websocket' });
    await client.start();
  });
  afterAll(async () => {
    await client.close();
    await sim.stop();
  });

  it('/ws/sdk dropped: loss reported within 1 s, link restored by itself', async () => {
    const { ms, state } = await timeToLoss(client, () => sim.faults.dropSdkClients(), 1000);
    expect(ms).toBeLessThan(1000);
    expect(state.error).toMatch(/ws\/sdk closed|connection failed/);
    await recovered(client);
    expect(client.connection().attempts).toBe(0);
  });

  it('stalled stream (socket open, nothing sent): loss after the 1 s liveness window, recovery after', async () => {
    const { ms, state } = await timeToLoss(client, () => sim.faults.stall(true), 1500);
    // 1 s liveness window + the 250 ms check period, with slack for a loaded machine.
    expect(ms).toBeLessThan(2000);
    expect(state.error).toBe('no state for 1.0 s');
    sim.faults.stall(false);
    await recovered(client);
  });

  it('503 mode: the link is refused (1013) while on and comes back after', async () => {
    const { state } = await timeToLoss(client, () => sim.faults.unavailable(true), 1000);
    expect(state.error).toMatch(/1013|not ready/);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.connection().status).toBe('lost');
    sim.faults.unavailable(false);
    await recovered(client);
  });

  it('simulator killed and restarted on the same port: loss within 1 s, recovery, pending goto fails', async () => {
    const move = await client.goto({ headPose: INIT_HEAD_POSE, durationS: 20 });
    const { ms } = await timeToLoss(client, () => sim.faults.crash(), 1000);
    expect(ms).toBeLessThan(1000);
    expect(await move.done).toMatchObject({ uuid: move.uuid, status: 'failed' });
    await new Promise((r) => setTimeout(r, 300));
    expect(client.connection().status).toBe('lost');
    expect(client.connection().attempts).toBeGreaterThan(0);
    await sim.faults.restart();
    await recovered(client);
    expect(await client.daemonStatus()).toMatchObject({ state: 'running' });
  });

  it('daemon stopped over REST: loss reported; started again: recovery', async () => {
    const stop = await fetch(`${sim.url}/api/daemon/stop?goto_sleep=false`, { method: 'POST' });
    expect(stop.status).toBe(200);
    await waitFor(() => client.connection().status === 'lost', 2000);
    await fetch(`${sim.url}/api/daemon/start?wake_up=false`, { method: 'POST' });
    await recovered(client);
  });
});

describe('http transport faults', () => {
  it('hung daemon: stale state reported lost within the liveness window, REST calls time out', async () => {
    const sim = await startSimulator({ mode: 'mockup' });
    await sim.ready();
    const client = createDaemonClient({ target: targetForSimulator(sim), transportMode: 'http', pollHz: 20, requestTimeoutMs: 1500 });
    try {
      await client.start();
      const { ms, state } = await timeToLoss(client, () => sim.faults.hang(true), 1000);
      expect(ms).toBeLessThan(2000);
      expect(state.error).toMatch(/no state for 1\.0 s/);
      await expect(client.daemonStatus()).rejects.toThrow(/timed out after 1500 ms/);
      sim.faults.hang(false);
      await recovered(client);
    } finally {
      await client.close();
      await sim.stop();
    }
  });

  it('simulator killed and restarted: loss reported, polling recovers', async () => {
    const sim = await startSimulator({ mode: 'mockup' });
    await sim.ready();
    const client = createDaemonClient({ target: targetForSimulator(sim), transportMode: 'http', pollHz: 20 });
    try {
      await client.start();
      const { ms } = await timeToLoss(client, () => sim.faults.crash(), 1000);
      expect(ms).toBeLessThan(1000);
      await sim.faults.restart();
      await recovered(client);
    } finally {
      await client.close();
      await sim.stop();
    }
  });
});
