/**
 * The console's Video panel plays the simulator's camera over WebRTC in real Chromium: negotiated through the
 * simulator's webrtcsink-protocol signalling server, `<video>` gets a size, its clock advances, and the picture
 * changes when the head moves. The Media panel's capture shows a frame. Browser mode, real mesh, sim and driver;
 * the bundled simulator is started with its media attached (attachSimMedia).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ConsoleHost } from '../../src/main/console/host';
import { realBackends } from '../../src/main/console/real-backends';
import { createSettingsStore } from '../../src/main/console/settings';
import { rendererDir } from '../../src/main/console/paths';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { setStderrLogging } from '../../src/main/log';
import { startSimulator } from '../../src/main/sim';
import { attachSimMedia } from '../../src/main/sim/media';
import type { Backends } from '../../src/main/console/backends';
import { launchBrowser } from './harness';

const DEVICE = 'reachy-mini-1';

/** Mean absolute difference (0-255) between two RGBA sample arrays. */
const diff = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

async function sampleVideo(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('[data-testid="video-panel-video"]');
    if (!v || v.videoWidth === 0) return [];
    const c = document.createElement('canvas');
    c.width = 160;
    c.height = 90;
    const ctx = c.getContext('2d');
    if (!ctx) return [];
    ctx.drawImage(v, 0, 0, c.width, c.height);
    return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  });
}

describe('video panel (WebRTC from the simulator, real Chromium)', () => {
  let host: ConsoleHost;
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    setStderrLogging(false);
    const dir = mkdtempSync(join(tmpdir(), 'video-e2e-'));
    const base = realBackends();
    const backends: Backends = {
      ...base,
      async startSimulator(opts) {
        const sim = await startSimulator({ port: opts.port ?? 0, host: '127.0.0.1', mode: opts.mode, wakeUpOnStart: false });
        await sim.ready();
        const media = await attachSimMedia(sim, { webrtc: { width: 640, fps: 15 } });
        return {
          url: sim.url,
          port: sim.port,
          mode: sim.mode,
          close: async () => {
            await media.close();
            await sim.stop();
          },
        };
      },
    };
    host = new ConsoleHost({ backends, settings: createSettingsStore(join(dir, 'settings.json'), {}), dataDir: dir });
    await host.init();
    await host.bootstrap({ sim: true });
    server = await startWebServer({ host, staticDir: rendererDir() });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await host?.close().catch(() => undefined);
  });

  it('plays live frames that change when the head moves', async () => {
    const video = page.getByTestId('video-panel-video');
    await video.waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="video-panel-video"]');
        return !!v && v.videoWidth > 0 && v.currentTime > 0;
      },
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.getByTestId('video-status').getAttribute('data-state')).toBe('playing');
    const dims = await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight]);
    expect(dims).toEqual([640, 360]);
    const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await page.waitForTimeout(1000);
    const t2 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(t2).toBeGreaterThan(t1);

    // Wait until the picture is steady (the encoder's quality settles after a keyframe), then turn the head.
    let before = await sampleVideo(page);
    let steady = Infinity;
    for (let i = 0; i < 25 && steady >= 4; i++) {
      await page.waitForTimeout(200);
      const next = await sampleVideo(page);
      steady = diff(before, next);
      before = next;
    }
    expect(before.length).toBeGreaterThan(0);
    expect(steady, 'picture never settled while the head was still').toBeLessThan(4);
    const move = await host.invoke(DEVICE, 'look_at_world', { yaw: 30, pitch: 10, duration_s: 0 }, 5000);
    expect(move.ok, JSON.stringify(move)).toBe(true);
    let moved = 0;
    for (let i = 0; i < 30 && moved <= 15; i++) {
      await page.waitForTimeout(200);
      moved = diff(before, await sampleVideo(page));
    }
    // Codec noise alone stays small; a 30° turn changes the picture a lot.
    expect(moved, 'picture did not change after the head turned').toBeGreaterThan(15);
  }, 90_000);

  it('the media panel captures and shows a frame', async () => {
    await page.getByTestId('capture-frame').click();
    const img = page.getByTestId('captured-frame');
    await img.waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="captured-frame"]')?.naturalWidth ?? 0) > 0);
    expect(await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([640, 360]);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
