/**
 * D2D presence in a large fleet: a device that knows many peers spaces its announcements so the whole fleet stays
 * near the presence budget, instead of every device bursting at 2 Hz whenever a peer appears; a small fleet keeps
 * the reference timings; probes are still answered at once.
 */
import { describe, expect, it } from 'vitest';
import { createLocalMesh } from '../../../src/main/mesh';
import { PresenceAnnouncer } from '../../../src/main/mesh/announcer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(timing: { burstIntervalMs: number; burstDurationMs: number; intervalMs: number; fleetRatePerS?: number }) {
  const mesh = createLocalMesh();
  const spy = mesh.connect();
  const own: number[] = [];
  spy.subscribe('device-connect.default.me.presence', () => own.push(Date.now()));
  const a = new PresenceAnnouncer(mesh.connect(), 'default', 'me', () => JSON.stringify({ device_id: 'me' }), { ...timing, maxSpacingMs: 10_000 }, () => undefined);
  const peers = (n: number): void => {
    for (let i = 0; i < n; i++) spy.publish(`device-connect.default.peer-${i}.presence`, JSON.stringify({ device_id: `peer-${i}`, capabilities: {} }));
  };
  return { spy, own, a, peers };
}

describe('presence announcer in a large fleet', () => {
  it('with 400 peers, announces about every 400 ms (fleet budget 1,000/s) instead of every 10 ms in its burst', async () => {
    const { own, a, peers } = setup({ burstIntervalMs: 10, burstDurationMs: 10_000, intervalMs: 60_000, fleetRatePerS: 1000 });
    a.start();
    peers(400);
    await sleep(50);
    const before = own.length;
    await sleep(900);
    const sent = own.length - before;
    // 900 ms at one announcement per ~401 ms: 2 or 3; a fixed 10 ms burst would have sent ~90.
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(4);
    expect(a.fleetSpacingMs()).toBeCloseTo(401, 0);
    a.stop();
  });

  it('a small fleet keeps the configured burst rate', async () => {
    const { own, a, peers } = setup({ burstIntervalMs: 20, burstDurationMs: 10_000, intervalMs: 60_000, fleetRatePerS: 1000 });
    a.start();
    peers(3);
    await sleep(30);
    const before = own.length;
    await sleep(400);
    expect(own.length - before).toBeGreaterThan(10);
    a.stop();
  });

  it('still answers a probe at once, whatever the spacing', async () => {
    const { spy, own, a, peers } = setup({ burstIntervalMs: 10, burstDurationMs: 10_000, intervalMs: 60_000, fleetRatePerS: 1000 });
    a.start();
    peers(400);
    await sleep(50);
    const before = own.length;
    spy.publish('device-connect.default.discovery.probe', JSON.stringify({ probe: true }));
    await expect.poll(() => own.length, { timeout: 1000 }).toBeGreaterThan(before);
    a.stop();
  });
});
