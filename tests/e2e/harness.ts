/**
 * e2e harness: browser mode exactly as `reachy-console serve --sim` runs it (ConsoleHost with the real mesh,
 * simulator and driver, the web server with its token), driven by Debian's Chromium through playwright-core.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ConsoleHost } from '../../src/main/console/host';
import { realBackends } from '../../src/main/app/real-backends';
import { createSettingsStore } from '../../src/main/console/settings';
import { rendererDir } from '../../src/main/app/paths';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { setStderrLogging } from '../../src/main/log';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
export const SHOTS = join(process.cwd(), 'test-results', 'console');

export interface ConsoleRig {
  host: ConsoleHost;
  server: WebServer;
  browser: Browser;
  page: Page;
  settingsPath: string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export async function startConsoleRig(opts: { bootstrap?: boolean } = {}): Promise<ConsoleRig> {
  setStderrLogging(false);
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
  const settingsPath = join(dir, 'device_connect_app.json');
  const host = new ConsoleHost({ backends: realBackends(), settings: createSettingsStore(settingsPath, {}), dataDir: dir });
  await host.init();
  if (opts.bootstrap ?? true) await host.bootstrap({ sim: true });
  const server = await startWebServer({ host, staticDir: rendererDir() });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  return {
    host,
    server,
    browser,
    page,
    settingsPath,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await host.close().catch(() => undefined);
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    },
  };
}

/** Brings a docked panel to the front (a panel in a background tab is not in the page). `title` is its tab title. */
export async function showPanel(page: Page, title: string): Promise<void> {
  const tab = page.locator('.dv-tab', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
  if ((await tab.count()) === 0) {
    await page.getByTestId('layout-add').selectOption({ label: title });
    return;
  }
  await tab.first().click();
}

/** The numbers in a text, in order ("yaw 12.5° · pitch -3" → [12.5, -3]). */
export const numbers = (t: string): number[] => (t.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);

/**
 * Waits until the element's text satisfies `pred`; the error names the element and its last text, plus what
 * `context` reads (e.g. the controls' status line) when given.
 */
export async function waitText(loc: Locator, pred: (t: string) => boolean, timeoutMs = 20_000, context?: () => Promise<string>): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = (await loc.innerText().catch(() => '')) ?? '';
    if (pred(last)) return last;
    await loc.page().waitForTimeout(100);
  }
  const more = context ? `; ${await context().catch(() => '?')}` : '';
  throw new Error(`timed out waiting on ${String(loc)}; last text: ${JSON.stringify(last)}${more}`);
}
