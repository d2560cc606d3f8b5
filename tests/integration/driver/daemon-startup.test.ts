/**
 * A driver started with a daemon that still plays its start-up wake_up (the simulator in robot mode, as `driver --sim`
 * runs it): it serves at once, and a motion command sent meanwhile is held until the daemon runs, then executed —
 * never sent into the wake_up, which would drop it (docs/SAFETY.md "Daemon start-up").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, until, type Stack } from './stack';

const ID = 'reachy-startup-1';
let stack: Stack | null = null;

afterEach(async () => {
  await stack?.close();
  stack = null;
});

describe('driver and a daemon still starting', () => {
  it('a command sent while the daemon wakes up waits for it and is executed, not dropped', async () => {
    stack = await startStack({ deviceId: ID, sim: { mode: 'robot', wakeUpOnStart: true } });
    const { sim, client } = stack;
    // The driver serves while the daemon is still in its start sequence.
    expect(sim.core.state).toBe('starting');
    const st = (await client.invoke(ID, 'get_status')) as { daemon: { state?: string } };
    expect(st.daemon.state).toBe('starting');
    const r = (await client.invoke(ID, 'look_at_world', { yaw: 10, duration_s: 0.3, wait: true }, { timeoutMs: 20_000 })) as Record<string, unknown>;
    expect(r.status).toBe('completed');
    const log = sim.targetLog();
    const wake = log.findIndex((e) => e.kind === 'wake_up' && e.source === 'internal');
    const look = log.findIndex((e) => e.kind === 'goto' && e.source !== 'internal');
    expect(wake).toBeGreaterThanOrEqual(0);
    expect(look).toBeGreaterThan(wake);
    // Sent after the wake_up, and taken: nothing of the driver's was dropped.
    expect(log.filter((e) => e.source !== 'internal').every((e) => e.accepted)).toBe(true);
  }, 30_000);

  it('a stop during the wait cancels the held command: it never reaches the daemon', async () => {
    stack = await startStack({ deviceId: ID, sim: { mode: 'robot', wakeUpOnStart: true } });
    const { sim, client } = stack;
    expect(sim.core.state).toBe('starting');
    const held = client.invoke(ID, 'look_at_world', { yaw: -10, duration_s: 0.3, wait: true }, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    await client.invoke(ID, 'stop_motion', {});
    const r = (await held) as Record<string, unknown>;
    expect(r.status).toBe('cancelled');
    expect(await sim.running(15_000)).toBe(true);
    expect(sim.targetLog().filter((e) => e.source !== 'internal' && e.kind === 'goto')).toEqual([]);
  }, 30_000);

  it('a daemon that comes back still starting holds motion again, and a command still held after 5 s is refused with the reason', async () => {
    stack = await startStack({ deviceId: ID, sim: { mode: 'robot', wakeUpOnStart: false } });
    const { sim, client, driver } = stack;
    expect(await sim.running(15_000)).toBe(true);
    // A daemon stuck in its start sequence, seen when the link comes back (the driver reads the state on link-up).
    sim.core.state = 'starting';
    const states: string[] = [];
    const off = driver.onLinkChange(() => states.push(driver.link()));
    sim.faults.dropSdkClients();
    await until(() => states.includes('connected'), 10_000);
    off();
    // The link loss tripped the interlock; reset it so that only the start-up hold is left.
    await client.invoke(ID, 'reset_interlock', { reason: 'test: link back' });
    await expect(client.invoke(ID, 'look_at_world', { yaw: 5, duration_s: 0.3 }, { timeoutMs: 20_000 })).rejects.toThrow(
      /look_at_world refused: the robot daemon is still starting/,
    );
    expect(sim.targetLog().filter((e) => e.source !== 'internal')).toEqual([]);
    // Once it runs, motion is admitted again.
    sim.core.state = 'running';
    await until(async () => ((await client.invoke(ID, 'look_at_world', { yaw: 5, duration_s: 0.3, wait: true }, { timeoutMs: 20_000 })) as { status?: string }).status === 'completed', 10_000, 200);
  }, 40_000);
});
