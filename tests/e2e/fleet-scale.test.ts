/**
 * The console's fleet panel with a large fleet (2,000 simulated devices on a real nats-server, D2D): the list is
 * windowed, so only the rows in view are in the DOM; scrolling to the end shows the last device, which can be
 * selected; the count shows the whole fleet. (The timed version at 5,000 devices is B7ui in `npm run bench`.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';
import { meshConfigFromEnv, openMesh, type MeshConnection } from '../../src/main/mesh';
import { startSimFleet, simDeviceDoc, simDeviceId, type SimFleet } from '../integration/scale/sim-fleet';
import { startConsoleRig, type ConsoleRig } from './harness';
import { rendererDir } from '../../src/main/app/paths';
import { DEVICE_FALLBACK_POLL_MS } from '../../src/renderer/store';

const N = 2000;
let nats: NatsServerHandle;
let fleetConn: MeshConnection;
let fleet: SimFleet;
let rig: ConsoleRig;
let page: Page;

beforeAll(async () => {
  nats = await startNatsServer();
  fleetConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
  fleet = startSimFleet({ connection: fleetConn, count: N, mode: 'd2d' });
  rig = await startConsoleRig({ bootstrap: false });
  page = rig.page;
  await rig.host.connectMesh({ kind: 'nats', urls: [nats.url], tenant: 'default', discoveryMode: 'd2d', allowInsecure: true });
}, 60_000);

afterAll(async () => {
  await rig?.close();
  fleet?.stop();
  await fleetConn?.close().catch(() => undefined);
  await nats?.stop();
});

describe('fleet panel with 2,000 devices', { timeout: 90_000 }, () => {
  it('is served as the production React build, also when the test runner built it', () => {
    // NODE_ENV=test in the runner once selected React's development build: the page was several times slower.
    const assets = join(rendererDir(), 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    for (const f of js) expect(readFileSync(join(assets, f), 'utf8')).not.toContain('jsxDEV');
  });

  it('renders only the rows in view, scrolls to the last device and selects it', async () => {
    const count = page.getByTestId('device-count');
    // The console announces itself on the mesh too: the fleet plus one.
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: 45_000 }).toBe(`${N + 1} devices`);
    const rows = page.locator('[data-testid="device-list"] > li');
    const inDom = await rows.count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(60);
    // The first device is in view, the last is not rendered yet.
    await expect(page.getByTestId(`device-${simDeviceId(0)}`).isVisible()).resolves.toBe(true);
    expect(await page.getByTestId(`device-${simDeviceId(N - 1)}`).count()).toBe(0);

    await page.getByTestId('device-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.getByTestId(`device-${simDeviceId(N - 1)}`);
    await last.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await rows.count()).toBeLessThan(60);
    await last.click();
    await expect.poll(() => last.getAttribute('class')).toContain('selected');
    // The scroll height stands for the whole list, so the scrollbar tells the operator where they are.
    const { scrollHeight, rowH } = await page.getByTestId('device-scroll').evaluate((el) => ({
      scrollHeight: el.scrollHeight,
      rowH: (el.querySelector('li') as HTMLElement).getBoundingClientRect().height,
    }));
    expect(Math.round(scrollHeight / rowH)).toBeGreaterThanOrEqual(N);
  });

  it('shows a device joining and leaving on the host devices_changed push, without waiting for the fallback poll', async () => {
    const count = page.getByTestId('device-count');
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: 45_000 }).toBe(`${N + 1} devices`);
    const doc = simDeviceDoc(N);
    const subject = `device-connect.default.${doc.device_id}.presence`;
    fleetConn.publish(subject, JSON.stringify({ ...doc, ts: Date.now() / 1000, d2d: true }));
    // Half the fallback period: only the push can have brought it in (or taken it out) this soon.
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: DEVICE_FALLBACK_POLL_MS / 2 }).toBe(`${N + 2} devices`);
    fleetConn.publish(subject, JSON.stringify({ device_id: doc.device_id, departing: true }));
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: DEVICE_FALLBACK_POLL_MS / 2 }).toBe(`${N + 1} devices`);
  });
});
