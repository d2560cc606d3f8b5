import { describe, expect, it } from 'vitest';
import { createLocalMesh, PresenceCollector } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { createDemoDevice } from './demo-device';
import { LAMP_PRESENCE, DEPARTURE, PRESENCE } from './golden-payloads';

setStderrLogging(false);

describe('D2D presence collector', () => {
  it('keeps peers, drops departures, prunes peers unseen for 30 s, ignores junk', async () => {
    const mesh = createLocalMesh();
    const pub = mesh.connect();
    const collector = new PresenceCollector(mesh.connect(), 'default');
    collector.start();
    let changes = 0;
    collector.onChange(() => changes++);
    pub.publish('device-connect.default.sensor-001.presence', PRESENCE);
    pub.publish('device-connect.default.ts-lamp-01.presence', LAMP_PRESENCE);
    pub.publish('device-connect.default.junk.presence', 'not json');
    pub.publish('device-connect.default.bad.presence', '{"device_id": "bad id!"}');
    pub.publish('device-connect.other.x.presence', LAMP_PRESENCE.replace('ts-lamp-01', 'other-tenant'));
    await pub.flush();
    expect(collector.devices().map((d) => d.device_id).sort()).toEqual(['sensor-001', 'ts-lamp-01']);
    expect(changes).toBe(2);

    pub.publish('device-connect.default.sensor-001.presence', DEPARTURE);
    await pub.flush();
    expect(collector.devices().map((d) => d.device_id)).toEqual(['ts-lamp-01']);

    collector.prune(Date.now() + 29_000);
    expect(collector.size()).toBe(1);
    collector.prune(Date.now() + 31_000);
    expect(collector.size()).toBe(0);
    expect(changes).toBe(4);
    collector.stop();
  });
});

describe('D2D presence announcer', () => {
  it('goes back to the fast rate when a new peer appears', async () => {
    const mesh = createLocalMesh();
    const spy = mesh.connect();
    const seen: number[] = [];
    spy.subscribe('device-connect.default.sensor-001.presence', () => seen.push(Date.now()));
    const rt = createDemoDevice(mesh.connect(), { presenceTiming: { burstIntervalMs: 20, burstDurationMs: 200, intervalMs: 60_000 } });
    await rt.start();
    // Start burst: several announcements, then the slow rate (next one a minute away).
    await expect.poll(() => seen.length).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 300));
    const afterBurst = seen.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.length).toBe(afterBurst);

    spy.publish('device-connect.default.newcomer.presence', LAMP_PRESENCE.replace('ts-lamp-01', 'newcomer'));
    await expect.poll(() => seen.length - afterBurst).toBeGreaterThan(2);
    await rt.stop();
  });
});
