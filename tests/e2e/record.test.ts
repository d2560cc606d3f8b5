/**
 * Record and replay in the console (browser mode, real Chromium): record 10 s while the head moves, open the
 * recording, scrub, and see the robot picture and the camera image change with the position; play advances the
 * timeline; back to live afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { showPanel, startConsoleRig, type ConsoleRig, numbers, waitText } from './harness';

let rig: ConsoleRig;
let page: Page;
const tid = (id: string): Locator => page.getByTestId(id);


beforeAll(async () => {
  rig = await startConsoleRig();
  page = rig.page;
  // Pose, teleop and the Record / replay panel side by side.
  await page.getByTestId('preset-Debug').click();
  await showPanel(page, 'Record / replay');
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

describe('record and replay', () => {
  it('records 10 s, opens it, and scrubbing moves the robot picture and the camera image', async () => {
    await waitText(tid('joints'), (t) => numbers(t).length === 7);
    await tid('record-start').click();
    const t0 = Date.now();
    await waitText(tid('record-stats'), (t) => t.startsWith('●') && !/· 0 B ·/.test(t));
    await tid('slider-pitch').fill('20');
    await waitText(tid('head-rpy'), (t) => numbers(t)[1] > 15);
    const upAt = Date.now() - t0;
    await page.waitForTimeout(Math.max(0, 5000 - (Date.now() - t0)));
    await tid('slider-pitch').fill('-20');
    await waitText(tid('head-rpy'), (t) => numbers(t)[1] < -15);
    const downAt = Date.now() - t0;
    await page.waitForTimeout(Math.max(0, 10_000 - (Date.now() - t0)));
    // Elapsed, size and rate while recording.
    const stats = await tid('record-stats').innerText();
    expect(numbers(stats.split('·')[0])[1]).toBeGreaterThanOrEqual(9); // m:ss.s → seconds
    await tid('record-stop').click();
    await waitText(tid('recordings'), (t) => /reachy-.*\.mcap/.test(t));

    await tid('replay-open').first().click();
    await waitText(tid('replay-time'), (t) => / \/ 0:1\d\.\d/.test(t) || / \/ 0:09\.\d/.test(t));
    const frameAt = async (): Promise<string> => (await tid('replay-frame').getAttribute('src')) ?? '';

    // Scrub to where the head was up, then to where it was down: the robot panel and the image follow.
    await tid('replay-scrub').fill(String(Math.round(upAt + 1500)));
    const up = await waitText(tid('head-rpy'), (t) => numbers(t)[1] > 15);
    const imgUp = await frameAt();
    await tid('replay-scrub').fill(String(Math.round(downAt + 1500)));
    const down = await waitText(tid('head-rpy'), (t) => numbers(t)[1] < -15);
    await waitText(tid('replay-time'), () => true);
    const until = Date.now() + 5000;
    let imgDown = await frameAt();
    while (imgDown === imgUp && Date.now() < until) {
      await page.waitForTimeout(100);
      imgDown = await frameAt();
    }
    expect(numbers(up)[1]).toBeGreaterThan(15);
    expect(numbers(down)[1]).toBeLessThan(-15);
    expect(imgUp.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(imgDown).not.toBe(imgUp);
    // Play from the start at 4×: the playhead advances, and the invoke log shows the console's slider command
    // with its caller and duration as the playhead passes it.
    await tid('replay-scrub').fill('0');
    await tid('replay-speed').selectOption('4');
    await tid('replay-play').click();
    await page.waitForTimeout(1500);
    const played = numbers(await tid('replay-time').innerText());
    expect(played[1]).toBeGreaterThan(2);
    await waitText(tid('replay-invokes'), (t) => /console-\S+\s+look_at_world\s+ok\s+[\d.]+ ms/.test(t), 10_000);
    await tid('replay-play').click();

    // Back to live: the live robot (pitch -20 now) drives the panel again.
    await tid('replay-close').click();
    await waitText(tid('head-rpy'), (t) => numbers(t)[1] < -15);
    expect(await tid('replay').count()).toBe(0);
  }, 90_000);
});
