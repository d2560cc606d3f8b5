/**
 * The operator cockpit in real Chromium (WebGL through SwiftShader): the dockable layout and its presets, the live
 * 3D robot, teleoperation that follows the robot, and a screen that never lies. Screenshots of every preset at
 * 1600×1000 go to test-results/cockpit/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startConsoleRig, showPanel, type ConsoleRig, numbers, waitText } from './harness';
import { createSettingsStore } from '../../src/main/console/settings';
import { SOUND_SOURCES_DEG } from '../../src/main/sim/doa';

const OUT = join(process.cwd(), 'test-results', 'cockpit');
let rig: ConsoleRig;
let page: Page;
const tid = (id: string): Locator => page.getByTestId(id);


interface Rgba {
  data: Buffer;
  width: number;
  height: number;
}

async function grab(loc: Locator): Promise<Rgba> {
  const png = await loc.screenshot();
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Centroid of the pure-magenta camera lens, the one thing in the scene with that colour. */
function lensCentroid(img: Rgba): { x: number; y: number; n: number } {
  let sx = 0, sy = 0, n = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.data[i] > 230 && img.data[i + 1] < 60 && img.data[i + 2] > 230) {
        sx += x;
        sy += y;
        n++;
      }
    }
  return { x: sx / Math.max(n, 1), y: sy / Math.max(n, 1), n };
}

function changedFraction(a: Rgba, b: Rgba): number {
  let changed = 0;
  const px = Math.min(a.data.length, b.data.length) / 4;
  for (let i = 0; i < px; i++) {
    const d = Math.abs(a.data[i * 4] - b.data[i * 4]) + Math.abs(a.data[i * 4 + 1] - b.data[i * 4 + 1]) + Math.abs(a.data[i * 4 + 2] - b.data[i * 4 + 2]);
    if (d > 30) changed++;
  }
  return changed / px;
}

async function headYawIs(deg: number): Promise<void> {
  await waitText(tid('robot3d-legend'), (t) => Math.abs(numbers(t)[0] - deg) < 1.5);
  // the picture eases toward the sample (~60 ms time constant): let it settle
  await page.waitForTimeout(600);
}

/**
 * The centroid of the pixels coloured like (x, y) of `ref`: the scene's panels each have their own hue, so this is
 * where that panel is in `img`.
 */
function colourCentroid(ref: Rgba, x: number, y: number, img: Rgba, tol = 14): { x: number; y: number; n: number } {
  const k = (y * ref.width + x) * 4;
  const [r0, g0, b0] = [ref.data[k], ref.data[k + 1], ref.data[k + 2]];
  let sx = 0, sy = 0, n = 0;
  for (let py = 0; py < img.height; py++)
    for (let px = 0; px < img.width; px++) {
      const i = (py * img.width + px) * 4;
      if (Math.abs(img.data[i] - r0) + Math.abs(img.data[i + 1] - g0) + Math.abs(img.data[i + 2] - b0) <= tol) {
        sx += px;
        sy += py;
        n++;
      }
    }
  return { x: sx / Math.max(n, 1), y: sy / Math.max(n, 1), n };
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  rig = await startConsoleRig();
  page = rig.page;
  await page.setViewportSize({ width: 1600, height: 1000 });
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

describe('operator cockpit', { timeout: 90_000 }, () => {
  it('fills the window with the robot and the camera in the first viewport, in every preset', async () => {
    await waitText(tid('chip-driver'), (t) => /connected/.test(t));
    await tid('robot3d').waitFor();
    for (const preset of ['Panorama', 'Agent', 'Debug', 'Drive']) {
      await tid(`preset-${preset}`).click();
      await tid('robot3d').waitFor();
      await page.waitForTimeout(800);
      // the video panel was re-mounted by the new layout: let its stream come back before the picture is taken
      if ((await tid('video-status').count()) > 0) {
        await expect.poll(() => tid('video-status').getAttribute('data-state'), { timeout: 20_000 }).toBe('playing');
        await page.waitForTimeout(1500);
      }
      await page.screenshot({ path: join(OUT, `preset-${preset.toLowerCase()}.png`) });
      const robot = await tid('robot3d').boundingBox();
      expect(robot, `${preset}: 3D robot shown`).not.toBeNull();
      expect(robot!.y + robot!.height, `${preset}: 3D robot within the first viewport`).toBeLessThanOrEqual(1001);
      expect(robot!.width * robot!.height, `${preset}: 3D robot not a sliver`).toBeGreaterThan(300 * 200);
      if (preset !== 'Debug') {
        const video = await tid('panel-video').boundingBox();
        expect(video && video.y + 200 < 1000, `${preset}: camera within the first viewport`).toBe(true);
      }
      // the dock covers the window below the header: nothing left empty on the right or at the bottom
      const dock = await page.locator('.dock-host').boundingBox();
      expect(dock!.width).toBeGreaterThan(1590);
      expect(dock!.y + dock!.height).toBeGreaterThan(995);
    }
  });

  it('keeps a layout change across a reload, and Reset restores the preset', async () => {
    await tid('preset-Drive').click();
    await expect(page.locator('.dv-tab', { hasText: /^Fleet$/ }).count()).resolves.toBe(1);
    // close the Fleet panel from its tab
    await page.locator('.dv-tab', { hasText: /^Fleet$/ }).locator('.dv-default-tab-action').click();
    await expect(page.locator('.dv-tab', { hasText: /^Fleet$/ }).count()).resolves.toBe(0);
    await page.reload();
    await tid('robot3d').waitFor();
    await expect(page.locator('.dv-tab', { hasText: /^Fleet$/ }).count()).resolves.toBe(0);
    await expect(tid('layout-add').innerText()).resolves.toContain('Fleet');
    await tid('layout-reset').click();
    await expect(page.locator('.dv-tab', { hasText: /^Fleet$/ }).count()).resolves.toBe(1);
    await page.reload();
    await tid('robot3d').waitFor();
    await expect(page.locator('.dv-tab', { hasText: /^Fleet$/ }).count()).resolves.toBe(1);
  });

  it('draws the robot in 3D from its live pose: head yaw +30° turns the head to the robot\'s left', async () => {
    const canvas = page.locator('[data-testid=robot3d] canvas');
    await canvas.waitFor();
    await tid('slider-yaw').fill('0');
    await headYawIs(0);
    await canvas.screenshot({ path: join(OUT, 'robot3d-yaw0.png') });
    const before = await grab(canvas);
    const lens0 = lensCentroid(before);
    expect(lens0.n, 'the camera lens is drawn').toBeGreaterThan(10);
    await tid('slider-yaw').fill('30');
    await headYawIs(30);
    const after = await grab(canvas);
    await canvas.screenshot({ path: join(OUT, 'robot3d-yaw30.png') });
    expect(changedFraction(before, after), 'the picture changed').toBeGreaterThan(0.002);
    const lens30 = lensCentroid(after);
    // The default view looks at the robot from its front right: the robot's left (+y) is to the right on screen.
    expect(lens30.x - lens0.x, `lens moved from x=${lens0.x.toFixed(0)} to x=${lens30.x.toFixed(0)}`).toBeGreaterThan(6);
    await tid('slider-yaw').fill('0');
    await headYawIs(0);
  });

  it('snaps a refused slider back to where the robot is, with the reason next to it', async () => {
    await tid('slider-body').fill('60');
    await waitText(tid('value-body'), (t) => Math.abs(numbers(t)[1] - 60) < 2, 30_000);
    // The body turned the head with it (world yaw ~60°): a head heading of -45° would be 105° from the body.
    await tid('slider-yaw').fill('-45');
    const reason = await waitText(tid('reason-yaw'), (t) => /refused/.test(t));
    expect(reason).toMatch(/outside safe range \[-65, 65\]/);
    await expect.poll(async () => Number(await tid('slider-yaw').inputValue()), { timeout: 5000 }).toBeGreaterThan(30);
    await tid('panel-controls').screenshot({ path: join(OUT, 'teleop-refused.png') });
    await tid('home').click();
    await waitText(tid('control-status'), (t) => /home: head, body and antennas home/i.test(t), 30_000);
    await waitText(tid('value-body'), (t) => Math.abs(numbers(t)[1]) < 2);
    await waitText(tid('value-yaw'), (t) => Math.abs(numbers(t)[1]) < 2);
  });

  it('brings a clicked feature of the video toward the image centre (look_at_image)', async () => {
    const video = tid('video-panel-video');
    await expect.poll(() => tid('video-status').getAttribute('data-state'), { timeout: 30_000 }).toBe('playing');
    await page.waitForTimeout(800);
    await video.screenshot({ path: join(OUT, 'video-before-click.png') });
    const before = await grab(video);
    const cx = Math.round(before.width / 2), cy = Math.round(before.height / 2);
    // a feature right of centre: one of the coloured panels (each has its own hue)
    const fx = Math.round(before.width * 0.7), fy = Math.round(before.height * 0.45);
    await video.click({ position: { x: fx, y: fy } });
    await waitText(tid('video-look-status'), (t) => /^accepted: look_at_image accepted/.test(t));
    await waitText(tid('robot3d-legend'), (t) => numbers(t)[0] < -12);
    await page.waitForTimeout(1500); // the move (0.5 s) and a few video frames
    const after = await grab(video);
    await video.screenshot({ path: join(OUT, 'video-after-click.png') });
    const was = colourCentroid(before, fx, fy, before);
    const now = colourCentroid(before, fx, fy, after);
    expect(was.n, 'the clicked panel is found by its colour').toBeGreaterThan(200);
    expect(now.n, 'and found again after the move').toBeGreaterThan(200);
    const dWas = Math.hypot(was.x - cx, was.y - cy);
    const dNow = Math.hypot(now.x - cx, now.y - cy);
    expect(dNow, `panel at (${was.x.toFixed(0)}, ${was.y.toFixed(0)}) now at (${now.x.toFixed(0)}, ${now.y.toFixed(0)}); centre (${cx}, ${cy})`).toBeLessThan(dWas * 0.4);
    await tid('home').click();
    await waitText(tid('control-status'), (t) => /home: head, body and antennas home/i.test(t), 30_000);
  });

  it('E-STOP from the keyboard anywhere trips the driver and turns the header red with who and why', async () => {
    // focus is in a text field of another panel: the shortcut still works
    await page.locator('[data-testid=panel-events] input').first().click();
    expect(await tid('estop').getAttribute('title')).toMatch(/shortcut: Esc/);
    await page.keyboard.press('Escape');
    const bar = await waitText(tid('tripped-bar'), (t) => t.includes('TRIPPED'));
    expect(bar).toMatch(/reachy-mini-1: emergency_stop from console-vm: operator E-STOP \(Esc key\) \(by operator from console-vm\)/);
    expect(await tid('topbar').getAttribute('data-tripped')).toBe('true');
    const bg = await tid('topbar').evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = numbers(bg);
    expect(r, `header background ${bg}`).toBeGreaterThan(120);
    expect(g + b).toBeLessThan(80);
    await waitText(tid('controls-blocked'), (t) => /interlock is tripped/.test(t));
    await page.screenshot({ path: join(OUT, 'estop-tripped.png') });
    await showPanel(page, 'Ownership');
    await tid('reset-interlock').click();
    await expect.poll(() => tid('topbar').getAttribute('data-tripped'), { timeout: 10_000 }).toBe('false');
  });

  it('reports within a second an E-STOP the host does not confirm', async () => {
    const p = await rig.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await p.routeWebSocket(/\/api\?/, (ws) => {
      const server = ws.connectToServer();
      // the E-STOP request is lost on the way (the host never sees it)
      ws.onMessage((m) => {
        if (typeof m === 'string' && m.includes('"method":"estop"')) return;
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
    });
    try {
      await p.goto(rig.server.url);
      await p.getByTestId('robot3d').waitFor();
      await p.keyboard.press('Escape');
      const toast = p.getByTestId('toast-error').filter({ hasText: 'NOT CONFIRMED' });
      await toast.waitFor({ timeout: 1600 });
      expect(await toast.innerText()).toMatch(/may not have reached the robots/);
    } finally {
      await p.close();
    }
  });

  it('exports diagnostics (shortcut and button) with state, events, logs and history, and no credentials', async () => {
    await waitText(tid('robot3d-legend'), (t) => /head yaw -?\d/.test(t));
    await waitText(tid('panel-events'), (t) => /audio_event|safety_event|emergency_stop/.test(t));
    // settings that hold a password in the broker URL and a credentials file
    const store = createSettingsStore(rig.settingsPath, {});
    const cur = store.load();
    store.save({ ...cur, mesh: { kind: 'nats', urls: ['nats://bob:s3cret-pw@127.0.0.1:4222'], credentialsFile: '/home/bob/private/s3cret.creds', tenant: 'default', discoveryMode: 'd2d', allowInsecure: false } });
    try {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.keyboard.press('Control+Shift+D')]);
      const file = join(OUT, 'diagnostics.json');
      await download.saveAs(file);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/s3cret/);
      const d = JSON.parse(text) as Record<string, unknown> & { versions: Record<string, string>; settings: { mesh: { urls: string[] } }; logs: unknown[]; connectionHistory: unknown[]; lastState: Record<string, { head: unknown }>; recentEvents: unknown[] };
      expect(d.versions.node).toMatch(/^\d+\./);
      expect(d.settings.mesh.urls).toEqual(['nats://***@127.0.0.1:4222']);
      expect(d.logs.length).toBeGreaterThan(5);
      expect(d.connectionHistory.length).toBeGreaterThan(0);
      expect(d.lastState['reachy-mini-1'].head).not.toBeNull();
      expect(d.recentEvents.length).toBeGreaterThan(0);
      // and the button does the same
      const [again] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), tid('diagnostics').click()]);
      expect(again.suggestedFilename()).toMatch(/^reachy-console-diagnostics-.*\.json$/);
    } finally {
      store.save(cur);
    }
  });

  it('shows where sound comes from on the 3D view (the simulator\'s scripted sources, DoA like the daemon)', async () => {
    const text = await waitText(tid('robot3d-doa'), (t) => /\(speech\)/.test(t), 30_000);
    const deg = numbers(text)[0];
    // body at 0°: the direction is one of the sources' places in the room
    expect(SOUND_SOURCES_DEG.some((s) => Math.abs(s - deg) < 2), `sound from ${deg}°`).toBe(true);
    await page.locator('[data-testid=robot3d] canvas').screenshot({ path: join(OUT, 'robot3d-doa.png') });
  });

  it('drives the head from the keyboard, the look pad and a gamepad (stick look, B stop)', async () => {
    const p = await rig.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // A gamepad the page can poll: a stand-in for the Gamepad API with the standard mapping.
    await p.addInitScript(() => {
      const pad = { id: 'test pad', index: 0, connected: true, mapping: 'standard', timestamp: 0, axes: [0, 0, 0, 0], buttons: Array.from({ length: 17 }, () => ({ pressed: false, touched: false, value: 0 })) };
      (window as unknown as { testPad: typeof pad }).testPad = pad;
      Object.defineProperty(navigator, 'getGamepads', { value: () => [pad] });
    });
    const t = (id: string): Locator => p.getByTestId(id);
    const until = async (loc: Locator, pred: (s: string) => boolean): Promise<string> => {
      const end = Date.now() + 20_000;
      let last = '';
      while (Date.now() < end) {
        last = await loc.innerText().catch(() => '');
        if (pred(last)) return last;
        await p.waitForTimeout(100);
      }
      throw new Error(`timed out on ${String(loc)}: ${last}`);
    };
    try {
      await p.goto(rig.server.url);
      await until(t('value-yaw'), (s) => /\/ -?\d/.test(s));
      // keyboard: focus the teleop panel, two steps left
      await t('teleop').focus();
      await p.keyboard.press('ArrowLeft');
      await p.keyboard.press('ArrowLeft');
      await until(t('value-yaw'), (s) => numbers(s)[0] === 10 && Math.abs(numbers(s)[1] - 10) < 1.5);
      // look pad: the top-left corner is the most left and most up the head may look
      const box = (await t('look-pad').boundingBox())!;
      await p.mouse.click(box.x + 2, box.y + 2);
      await until(t('value-yaw'), (s) => Math.abs(numbers(s)[1] - 44) < 2.5);
      await until(t('value-pitch'), (s) => numbers(s)[1] < -25);
      // gamepad: left stick to the right looks right
      await p.evaluate(() => {
        (window as unknown as { testPad: { axes: number[] } }).testPad.axes[0] = 0.8;
      });
      await until(t('value-yaw'), (s) => Math.abs(numbers(s)[1] + 36) < 2.5);
      // B stops
      await p.evaluate(() => {
        (window as unknown as { testPad: { buttons: Array<{ pressed: boolean }> } }).testPad.buttons[1].pressed = true;
      });
      await until(t('control-status'), (s) => /stop_motion accepted/.test(s));
    } finally {
      await p.close();
    }
  });
});
