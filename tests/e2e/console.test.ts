/**
 * The console in real Chromium against browser mode, as a newcomer uses it: the simulator and driver are up, the
 * robot is drawn live, sliders move it, the lease counts down, E-STOP trips the interlock, the function explorer
 * calls the robot, events show up, and the console moves to a NATS mesh. Screenshots go to test-results/console/.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { numbers, startConsoleRig, SHOTS, waitText as waitTextIn, type ConsoleRig } from './harness';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';
import { LIMITS } from '../../src/shared/reachy';

let rig: ConsoleRig;
let page: Page;
let nats: NatsServerHandle | null = null;

const tid = (id: string): Locator => page.getByTestId(id);

/** The harness's waitText, naming what the controls say when it times out. */
const waitText = (loc: Locator, pred: (t: string) => boolean, timeoutMs = 20_000): Promise<string> =>
  waitTextIn(loc, pred, timeoutMs, async () => `controls say: ${JSON.stringify(await loc.page().getByTestId('control-status').innerText())}`);

/** The lease countdown and the page's clock, read in one go. */
async function countdownAt(p: Page): Promise<{ left: number; at: number }> {
  return p.evaluate(() => ({ left: parseFloat(document.querySelector('[data-testid=lease-countdown]')?.textContent ?? 'NaN'), at: Date.now() }));
}

/**
 * Over two seconds of the page's clock the countdown drops by those two seconds (to its 0.1 s display and 0.2 s
 * refresh): it follows the wall clock, neither frozen nor driven by the rate of pushes.
 */
async function expectCountsByWallClock(p: Page): Promise<void> {
  const a = await countdownAt(p);
  await p.waitForTimeout(2000);
  const b = await countdownAt(p);
  const elapsedS = (b.at - a.at) / 1000;
  expect(a.left - b.left, `countdown ${a.left} → ${b.left} over ${elapsedS.toFixed(2)} s`).toBeGreaterThan(elapsedS - 0.75);
  expect(a.left - b.left, `countdown ${a.left} → ${b.left} over ${elapsedS.toFixed(2)} s`).toBeLessThan(elapsedS + 0.75);
}
/** A panel's picture, clipped from a full-page capture so the sticky top bar never covers it. */
async function shot(name: string): Promise<void> {
  const box = await tid(`panel-${name}`).boundingBox();
  if (!box) throw new Error(`panel ${name} is not visible`);
  const scrollY = Number(await page.evaluate('window.scrollY'));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', clip: { x: box.x, y: box.y + scrollY, width: box.width, height: box.height } });
}

beforeAll(async () => {
  rig = await startConsoleRig();
  page = rig.page;
  // The Debug layout shows every core panel at once (no background tabs).
  await page.getByTestId('preset-Debug').click();
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await nats?.stop();
});

// Generous timeouts: the machine running the suite may be shared and busy; nothing here asserts timing.
describe('console in browser mode', { timeout: 90_000 }, () => {
  it('starts with the simulator: the robot is listed, drawn live, and every panel renders', async () => {
    await waitText(tid('chip-driver'), (t) => /connected/.test(t));
    await waitText(tid('device-list'), (t) => t.includes('reachy-mini-1'));
    await waitText(tid('joints'), (t) => numbers(t).length === 7);
    // live: state_event keeps arriving (20 Hz) and the IMU temperature is read from it
    const count = numbers(await waitText(tid('state-count'), (t) => numbers(t)[0] > 0))[0];
    await waitText(tid('state-count'), (t) => numbers(t)[0] >= count + 10);
    await waitText(tid('panel-imu'), (t) => /temp \d/.test(t));
    for (const name of ['fleet', 'robot', 'imu', 'ownership', 'controls', 'explorer', 'events', 'logs', 'settings']) {
      await expect(tid(`panel-${name}`).isVisible()).resolves.toBe(true);
    }
    await page.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });
    // Panels of other areas (video, media, mcp, panorama, runner) are composed in when present: capture them too
    // (best effort: their own tests own their behaviour).
    const core = new Set(['fleet', 'robot', 'imu', 'ownership', 'controls', 'explorer', 'events', 'logs', 'settings']);
    for (const id of await page.locator('[data-testid^="panel-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''))) {
      const name = id.replace(/^panel-/, '');
      if (core.has(name)) continue;
      await shot(name).catch(() => undefined);
    }
  });

  it('moves the head when a slider moves, and the body too', async () => {
    await tid('slider-pitch').fill('20');
    await waitText(tid('head-rpy'), (t) => numbers(t)[1] > 12);
    await tid('slider-yaw').fill('25');
    await waitText(tid('head-rpy'), (t) => numbers(t)[2] > 12);
    await tid('slider-body').fill('60');
    await waitText(tid('body-yaw'), (t) => numbers(t)[0] > 30, 30_000);
    expect(await tid('control-status').innerText()).not.toMatch(/refused|failed/);
    await shot('robot');
    await shot('controls');
    await shot('imu');
  });

  it('Stop holds the robot where it is, and the sliders then show that pose, not the target it never reached', async () => {
    const start = numbers(await tid('body-yaw').innerText())[0];
    await tid('slider-body').fill('-120');
    await waitText(tid('body-yaw'), (t) => numbers(t)[0] < start - 10);
    await tid('stop').click();
    await waitText(tid('control-status'), (t) => /stop_motion accepted/.test(t));
    // Held: the readout stops changing, short of the -120° target (the body turns ~170°/s).
    let held = numbers(await tid('body-yaw').innerText())[0];
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(250);
      const now = numbers(await tid('body-yaw').innerText())[0];
      if (Math.abs(now - held) < 0.5) break;
      held = now;
    }
    expect(held).toBeGreaterThan(-110);
    await page.waitForTimeout(500);
    expect(Math.abs(numbers(await tid('body-yaw').innerText())[0] - held)).toBeLessThan(1);
    expect(Math.abs(Number(await tid('slider-body').inputValue()) - held)).toBeLessThanOrEqual(2);
  });

  it('shows the lease owner and counts the lease down by the wall clock', async () => {
    // The sliders above left the operator a short lease (the driver's default): read the countdown only once it shows
    // the 30 s lease taken here, or the first reading may be the old lease's.
    await tid('take-lease').click();
    await waitText(tid('lease-owner'), (t) => t.trim() === 'operator');
    await waitText(tid('lease-countdown'), (t) => numbers(t)[0] > LIMITS.leaseDefaultS + 1);
    await expectCountsByWallClock(page);
    await shot('ownership');
    await tid('release-lease').click();
    await waitText(tid('lease-owner'), (t) => t.trim() === 'nobody');
  });

  it('E-STOP trips the interlock, motion is refused and a safety_event is logged; reset restores it', async () => {
    await tid('estop').click();
    await waitText(tid('interlock'), (t) => t.startsWith('tripped'));
    // Motion cannot work while tripped: the sliders are disabled and say why.
    await waitText(tid('controls-blocked'), (t) => /interlock is tripped/.test(t));
    expect(await tid('slider-pitch').isDisabled()).toBe(true);
    await waitText(tid('events-list'), (t) => t.includes('safety_event'));
    await shot('events');
    await shot('ownership');
    await tid('reset-interlock').click();
    await waitText(tid('interlock'), (t) => t.trim() === 'safe');
    await tid('slider-pitch').fill('5');
    await waitText(tid('control-status'), (t) => /accepted/.test(t));
  });

  it('calls get_status from the function explorer', async () => {
    await tid('fn-get_status').click();
    await tid('explorer-invoke').click();
    const text = await waitText(tid('explorer-result'), (t) => t.includes('driver_state'));
    expect(text).toMatch(/interlock_state/);
    // A result carrying a JPEG (data_b64) is shown as an image: the simulated camera's view.
    await tid('fn-capture_video_frame').click();
    await tid('explorer-invoke').click();
    await page.locator('[data-testid=explorer-result] img.result-image').waitFor({ timeout: 20_000 });
    const size = await page.locator('[data-testid=explorer-result] img.result-image').evaluate((img) => (img as HTMLImageElement).naturalWidth);
    expect(size).toBeGreaterThan(100);
    await shot('explorer');
    await shot('logs');
  });

  it('switches to a NATS mesh and lists the robot there', async () => {
    nats = await startNatsServer();
    await tid('mesh-kind').selectOption('nats');
    await tid('mesh-urls').fill(nats.url);
    await tid('mesh-insecure').check();
    await tid('mesh-connect').click();
    await waitText(tid('mesh-line'), (t) => t.includes(nats!.url) && t.includes(' · connected'), 45_000);
    await waitText(tid('device-list'), (t) => t.includes('reachy-mini-1'), 45_000);
    await shot('settings');
    await shot('fleet');
  });
});

describe('live data when the pushes stop', { timeout: 90_000 }, () => {
  it('greys the live views out as STALE, with the age and the reason, while the lease keeps counting by the wall clock', async () => {
    // A second page whose WebSocket drops state_event pushes on demand: the host, mesh and driver stay up, so only
    // the age of the data can tell that the stream stalled.
    const p = await rig.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    let paused = false;
    await p.routeWebSocket(/\/api\?/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (paused && typeof m === 'string' && m.includes('"event_name":"state_event"')) return;
        ws.send(m);
      });
    });
    const t = (id: string): Locator => p.getByTestId(id);
    const staleFlag = (panel: string): Promise<string | null> => p.locator(`[data-testid=panel-${panel}] .panel-body > .live-data`).getAttribute('data-stale');
    try {
      await p.goto(rig.server.url);
      await p.getByTestId('preset-Debug').click();
      for (const name of ['robot', 'imu', 'ownership']) await waitText(t(`live-${name}`), (s) => s.startsWith('live'));
      await expect.poll(() => t('dot-reachy-mini-1').getAttribute('data-state'), { timeout: 20_000 }).toBe('on');
      await t('take-lease').click();
      await waitText(t('lease-countdown'), (s) => numbers(s)[0] > 25);
      // Record, in the page, what the robot badge says the moment it turns stale.
      await p.evaluate(() => {
        const el = document.querySelector('[data-testid=live-robot]') as HTMLElement;
        const w = window as unknown as { firstStale?: string };
        new MutationObserver(() => {
          if (el.dataset.stale === 'true' && w.firstStale === undefined) w.firstStale = el.textContent ?? '';
        }).observe(el, { attributes: true, childList: true, characterData: true, subtree: true });
      });

      paused = true;
      for (const name of ['robot', 'imu', 'ownership']) {
        await waitText(t(`live-${name}`), (s) => /^STALE · [\d.]+ s old — no new state from reachy-mini-1$/.test(s));
        expect(await staleFlag(name)).toBe('true');
      }
      // It turned stale after a second of silence, not later and not sooner.
      const first = String(await p.evaluate(() => (window as unknown as { firstStale?: string }).firstStale));
      const ageAtFlip = numbers(first)[0];
      expect(ageAtFlip, first).toBeGreaterThanOrEqual(1);
      expect(ageAtFlip, first).toBeLessThan(2);
      await waitText(t('chip-state'), (s) => /^state: stale \d/.test(s));
      await expect.poll(() => t('dot-reachy-mini-1').getAttribute('data-state'), { timeout: 20_000 }).toBe('stale');
      // The lease was last confirmed before the stall; its countdown still follows the wall clock, greyed out, and
      // the age shown grows with it.
      const age1 = numbers(await t('live-robot').innerText())[0];
      await expectCountsByWallClock(p);
      expect(numbers(await t('live-robot').innerText())[0]).toBeGreaterThan(age1 + 1.5);
      await p.screenshot({ path: join(SHOTS, 'console-stale.png'), fullPage: true });

      paused = false;
      for (const name of ['robot', 'imu', 'ownership']) {
        await waitText(t(`live-${name}`), (s) => s.startsWith('live'));
        expect(await staleFlag(name)).toBe('false');
      }

      // Known causes are named at once. Stopping the simulator stops its driver with it: the robot stays selected
      // and every view of it goes grey and names the cause.
      await rig.host.stopSimulator();
      for (const name of ['robot', 'imu', 'ownership', 'robot3d']) {
        await waitText(t(`live-${name}`), (s) => s.startsWith('STALE') && s.includes('the driver of reachy-mini-1 is stopped'), 2000);
      }
    } finally {
      await p.close();
    }
  });
});

describe('browser mode without the access token', { timeout: 60_000 }, () => {
  it('refuses the page its API and says why in words', async () => {
    const other = await rig.browser.newPage();
    try {
      await other.goto(rig.server.url.replace(/\?token=.*$/, ''));
      const banner = other.getByTestId('link-banner');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.innerText()).toMatch(/access token/);
      expect(await other.getByTestId('chip-host').innerText()).toMatch(/disconnected|connecting/);
    } finally {
      await other.close();
    }
  });
});
