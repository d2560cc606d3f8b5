/**
 * The policy runner panel in the real console (browser mode, Debian Chromium): start the built-in demo policy on
 * the bundled simulator from the panel, see the step / applied counters advance and the last action chunk, stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleRig, type ConsoleRig } from './harness';

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
    const panel = page.getByTestId('runner-panel');
    await panel.scrollIntoViewIfNeeded();
    const num = async (id: string): Promise<number> => Number((await page.getByTestId(id).textContent()) ?? 'NaN');
    expect(await num('runner-steps')).toBe(0);

    await page.getByTestId('runner-mode-apply').check();
    await page.getByTestId('runner-period').fill('0.05');
    await page.getByTestId('runner-start').click();
    await expect.poll(async () => page.getByTestId('runner-state').textContent(), { timeout: 45_000 }).toMatch(/running · applying actions/);
    await expect.poll(() => num('runner-steps'), { timeout: 45_000 }).toBeGreaterThanOrEqual(5);
    await expect.poll(() => num('runner-applied'), { timeout: 45_000 }).toBeGreaterThanOrEqual(3);
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
