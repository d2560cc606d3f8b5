/**
 * The policy runner panel in the real console (browser mode, Debian Chromium): start the built-in demo policy on
 * the bundled simulator from the panel, see the step / applied counters advance and the last action chunk, stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showPanel, startConsoleRig, type ConsoleRig } from './harness';

describe('policy runner panel (browser mode, Chromium)', () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startConsoleRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('runs the demo policy from the panel and shows live counters', async () => {
    const { page } = rig;
    await page.getByTestId('preset-Agent').click();
    await showPanel(page, 'Policy runner');
    const panel = page.getByTestId('runner-panel');
    await panel.scrollIntoViewIfNeeded();
    const num = async (id: string): Promise<number> => Number((await page.getByTestId(id).textContent()) ?? 'NaN');
    expect(await num('runner-steps')).toBe(0);

    await page.getByTestId('runner-mode-apply').check();
    await page.getByTestId('runner-period').fill('0.05');
    // A loaded test machine must not turn slow inferences into stale drops (that path has its own tests).
    await page.getByTestId('runner-max-age').fill('0');
    await page.getByTestId('runner-start').click();
    await expect.poll(async () => page.getByTestId('runner-state').textContent(), { timeout: 45_000 }).toMatch(/running · applying actions/);
    await expect.poll(() => num('runner-steps'), { timeout: 45_000 }).toBeGreaterThanOrEqual(5);
    try {
      await expect.poll(() => num('runner-applied'), { timeout: 45_000 }).toBeGreaterThanOrEqual(3);
    } catch (err) {
      const text = async (id: string): Promise<string> => ((await page.getByTestId(id).count()) ? ((await page.getByTestId(id).textContent()) ?? '') : '-');
      const diag = ['runner-steps', 'runner-applied', 'runner-safe-stops', 'runner-errors', 'runner-stale', 'runner-last-error', 'runner-note'];
      throw new Error(`applied did not advance: ${(await Promise.all(diag.map(async (id) => `${id}=${await text(id)}`))).join(' ')}`, { cause: err });
    }
    const first = await num('runner-steps');
    await expect.poll(() => num('runner-steps'), { timeout: 45_000 }).toBeGreaterThan(first); // still advancing
    await expect(page.getByTestId('runner-last-chunk').locator('tbody tr').count()).resolves.toBeGreaterThan(0);
    expect(await page.getByTestId('runner-last-chunk').locator('thead').textContent()).toContain('yaw°');

    await page.getByTestId('runner-stop').click();
    await expect.poll(async () => page.getByTestId('runner-state').textContent(), { timeout: 45_000 }).toMatch(/stopped \(aborted\)/);
    const stopped = await num('runner-steps');
    await new Promise((r) => setTimeout(r, 500));
    expect(await num('runner-steps')).toBe(stopped);
  }, 180_000);
});
