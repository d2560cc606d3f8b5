/**
 * The on-robot settings page in Chromium on a phone-sized screen, against a real nats-server (operator mode, portal
 * style credentials) and the simulator: edit, an invalid value refused with the field named and the file unchanged,
 * credentials upload, validation results, portal mode on → the driver runs and answers get_status over NATS.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createLogger } from '../../../src/main/log';
import { createRobotAppStack } from '../../../src/main/app/robot-app-stack';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { startRobotAppServer, type RobotAppServer } from '../../../src/main/robot-app/server';
import { DriverSupervisor } from '../../../src/main/robot-app/supervisor';
import { effectiveSettings, readSettingsFile } from '../../../src/main/robot-app/settings';
import { loadOrCreateToken } from '../../../src/main/robot-app/token';
import { startOperatorBroker, type OperatorBroker } from '../../integration/robot-app/broker';
import { until } from '../../integration/driver/stack';
import { launchBrowser } from '../harness';

setStderrLogging(false);
const root = process.cwd();
const pageDir = join(root, 'out', 'robot-app');
let broker: OperatorBroker;
let sim: Simulator;
let server: RobotAppServer;
let supervisor: DriverSupervisor;
let browser: Browser;
let page: Page;
let client: MeshClient | null = null;
const pageErrors: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'robot-app-e2e-'));
const settingsPath = join(dir, 'device_connect_app.json');

function newest(d: string): number {
  let t = 0;
  for (const f of ['index.html', 'main.tsx', 'App.tsx', 'api.ts', 'styles.css']) t = Math.max(t, statSync(join(d, f)).mtimeMs);
  return t;
}

beforeAll(async () => {
  const marker = join(pageDir, 'index.html');
  if (!existsSync(marker) || statSync(marker).mtimeMs < newest(join(root, 'src', 'robot-app-ui'))) {
    const mod = (await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href)) as { buildRobotAppPage(o: { quiet: boolean }): Promise<void> };
    await mod.buildRobotAppPage({ quiet: true });
  }
  broker = await startOperatorBroker();
  sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'mockup', wakeUpOnStart: true, noMedia: true });
  // The daemon check is ✓ only once the daemon runs (its start-up wake_up over); don't race it on a busy machine.
  expect(await sim.running(30_000)).toBe(true);
  writeFileSync(settingsPath, JSON.stringify({ use_portal: false, reachy_target: `127.0.0.1:${sim.port}`, transport_mode: 'websocket', no_media: true, mhp_rig: 'reachy_mini', legacy_key: 'keep me' }, null, 2));
  const token = loadOrCreateToken(settingsPath);
  supervisor = new DriverSupervisor({ load: () => effectiveSettings(readSettingsFile(settingsPath), {}), stack: createRobotAppStack({ latchDir: dir, logger: createLogger('test/robot-app') }), stateHz: 5, retryMinMs: 300, retryMaxMs: 1000 });
  server = await startRobotAppServer({ settingsPath, env: {}, supervisor, token, staticDir: pageDir, port: 0, bindHost: '127.0.0.1', validateTimeoutMs: 3000 });
  await supervisor.reload('app start');
  browser = await launchBrowser();
  // A phone: the page must work at this width without sideways scrolling.
  page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.port}/#token=${token}`);
}, 90_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await supervisor?.close();
  await server?.close();
  await sim?.stop();
  await broker?.nats.stop();
});

const text = (sel: string) => page.locator(sel).innerText();

describe('robot app settings page', () => {
  it('shows the file\'s values and why the driver is not running; the token left the address bar', async () => {
    await page.locator('#f-reachy_target').waitFor();
    expect(await page.locator('#f-reachy_target').inputValue()).toBe(`127.0.0.1:${sim.port}`);
    expect(await page.locator('#f-transport_mode').inputValue()).toBe('websocket');
    await until(async () => (await text('#status')).includes('not configured'), 10_000, 100);
    expect(await text('#status')).toMatch(/no broker: set messaging_urls/);
    expect(page.url()).not.toContain('token');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });

  it('an invalid value is refused with the field named, and the file is unchanged', async () => {
    const before = readFileSync(settingsPath, 'utf8');
    // Caught as you type.
    await page.locator('#f-tenant').fill('two words');
    expect(await text('#err-tenant')).toMatch(/^tenant: /);
    expect(await page.locator('#save').isDisabled()).toBe(true);
    await page.locator('#f-tenant').fill('');
    // Caught by the server (a port out of range): the field's error comes from the 422 reply.
    await page.locator('#f-reachy_target').fill('127.0.0.1:99999');
    await page.locator('#save').click();
    await page.locator('#err-reachy_target').waitFor();
    expect(await text('#err-reachy_target')).toMatch(/reachy_target: .*port must be an integer in \[1, 65535\]/);
    expect(await text('#message')).toMatch(/reachy_target/);
    expect(readFileSync(settingsPath, 'utf8')).toBe(before);
    await page.locator('#f-reachy_target').fill(`127.0.0.1:${sim.port}`);
  });

  it('uploads credentials and shows only "present, tenant, expires"; the file keeps unknown keys', async () => {
    const creds = broker.writeCreds(join(dir, 'my-robot.creds.json'), { deviceId: 'reachy-portal-7', tenant: 'acme' });
    await page.locator('#creds-file').setInputFiles(creds);
    await until(async () => (await text('#creds-summary')).startsWith('present'), 10_000, 100);
    expect(await text('#creds-summary')).toMatch(/^present, tenant acme, device reachy-portal-7, expires /);
    expect(await page.content()).not.toContain(JSON.parse(readFileSync(creds, 'utf8')).nats.nkey_seed);
    const file = JSON.parse(readFileSync(settingsPath, 'utf8')) as Record<string, unknown>;
    expect(file.legacy_key).toBe('keep me');
    expect(String(file.nats_credentials_file)).toMatch(/credentials\/my-robot\.creds\.json$/);
  });

  it('enables portal mode: the check shows broker and daemon results, the driver runs and answers over NATS', async () => {
    await page.locator('#f-use_portal').check();
    await page.locator('#validate').click();
    await page.locator('#checks li[data-check="broker_auth"]').waitFor({ timeout: 15_000 });
    expect(await text('#checks li[data-check="broker_auth"]')).toMatch(/^✓ broker accepts the credentials: .*JWT \+ nkey/);
    expect(await text('#checks li[data-check="daemon"]')).toMatch(/^✓ daemon reachable: .*version/);
    expect(await text('#checks li[data-check="credentials"]')).toMatch(/^✓ credentials: my-robot\.creds\.json: valid, expires/);

    await page.locator('#save').click();
    await until(async () => (await text('#message')).startsWith('Saved'), 10_000, 100);
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).use_portal).toBe(true);
    await until(async () => /running · reachy-portal-7 · tenant acme/.test(await text('#status')), 20_000, 200);
    expect(await text('#status')).toMatch(/mesh: connected/);

    const conn = await openMesh(meshConfigFromEnv({}, { urls: [broker.nats.url], credentialsFile: join(dir, 'my-robot.creds.json'), discoveryMode: 'infra' }));
    client = createMeshClient({ connection: conn, ownsConnection: true, requestTimeoutMs: 5000 });
    const st = (await client.invoke('reachy-portal-7', 'get_status')) as { driver_state: { interlock_state: string } };
    expect(st.driver_state.interlock_state).toBeTruthy();
    // The page shows the driver's own interlock state (a latched trip would say who, why and how to clear it).
    await until(async () => (await text('[data-testid="interlock"]')).startsWith(`interlock: ${st.driver_state.interlock_state}`), 5_000, 100);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(pageErrors).toEqual([]);
    mkdirSync(join(root, 'test-results', 'robot-app'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-results', 'robot-app', 'settings-phone.png'), fullPage: true });
  });
});
