/**
 * The panorama panel in the real console (browser mode, Debian Chromium, bundled simulator + driver): a bad option
 * is refused in words, a small scan runs from the panel with its progress and thumbnails advancing, and the
 * equirectangular result image appears with the output folder that holds it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleRig, type ConsoleRig } from './harness';

describe('panorama panel (browser mode, Chromium)', () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startConsoleRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('runs a small scan from the panel: progress, thumbnails, result image', async () => {
    const { page } = rig;
    await page.getByTestId('preset-Panorama').click();
    const panel = page.getByTestId('panorama-panel');
    await panel.scrollIntoViewIfNeeded();

    // A bad option: refused with the field and range, nothing starts.
    await page.getByTestId('panorama-full360').uncheck();
    await page.getByTestId('panorama-pitchSteps').fill('0');
    await page.getByTestId('panorama-preview').click();
    await expect.poll(async () => page.getByTestId('panorama-error').textContent(), { timeout: 10_000 }).toMatch(/pitchSteps.*\[1, 15\]/);

    await page.getByTestId('panorama-bodyYawSteps').fill('3');
    await page.getByTestId('panorama-pitchSteps').fill('1');
    await page.getByTestId('panorama-yawSteps').fill('1');
    await page.getByTestId('panorama-settleS').fill('0.2');
    await page.getByTestId('panorama-preview').click();
    await expect.poll(async () => page.getByTestId('panorama-plan').textContent(), { timeout: 10_000 }).toMatch(/^3 frames/);
    expect(await page.getByTestId('panorama-plan-picture').locator('circle').count()).toBe(3);

    await page.getByTestId('panorama-start').click();
    const text = () => page.getByTestId('panorama-progress-text').textContent();
    await expect.poll(text, { timeout: 30_000 }).toMatch(/^[12]\/3 /);
    await expect.poll(async () => page.getByTestId('panorama-thumbs').locator('img').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(text, { timeout: 60_000 }).toMatch(/^3\/3 done/);
    expect(await page.getByTestId('panorama-thumbs').locator('img').count()).toBe(3);

    const img = page.getByTestId('panorama-result-image');
    await expect.poll(async () => img.getAttribute('src'), { timeout: 30_000 }).toMatch(/^data:image\/jpeg;base64,/);
    await expect.poll(async () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(500);
    const dir = (await page.getByTestId('panorama-output-dir').textContent()) ?? '';
    expect(existsSync(join(dir, 'panorama_equirect.jpg'))).toBe(true);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    await page.screenshot({ path: join(process.cwd(), 'test-results', 'console', 'panorama.png'), fullPage: false });
  }, 120_000);
});
