/**
 * The MCP panel in the real console (browser mode, real Chromium): start the console-hosted bridge, an MCP
 * client calls a tool over HTTP, and the call shows up in the panel's tool-call log; the Claude Code command is
 * shown for the chosen target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { showPanel, startConsoleRig, type ConsoleRig } from '../../e2e/harness';
import { rendererIsStale } from '../../helpers/renderer-build';

describe('MCP panel (browser mode, Chromium)', () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    // The global setup builds the UI bundle only for runs that select tests/e2e; this test needs it too.
    if (rendererIsStale()) {
      const mod = (await import(pathToFileURL(join(process.cwd(), 'scripts', 'build-renderer.mjs')).href)) as {
        buildRenderer(o: { quiet: boolean }): Promise<void>;
      };
      await mod.buildRenderer({ quiet: true });
    }
    rig = await startConsoleRig();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('starts the console bridge, shows its config and logs an agent tool call', async () => {
    const { page } = rig;
    // The cockpit's Agent layout docks the MCP panel.
    await page.getByTestId('preset-Agent').click();
    await showPanel(page, 'MCP');
    const panel = page.getByTestId('mcp-panel');
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(async () => page.getByTestId('mcp-config-text').textContent(), { timeout: 15_000 }).toContain(
      'claude mcp add reachy -- ',
    );
    expect(await page.getByTestId('mcp-config-text').textContent()).toContain('mcp --sim');

    await page.getByTestId('mcp-readonly').check();
    await page.getByTestId('mcp-start').click();
    await expect.poll(async () => page.getByTestId('mcp-status').textContent(), { timeout: 10_000 }).toBe('Bridge running');
    const url = ((await page.getByTestId('mcp-url').textContent()) ?? '').split(' ')[0];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/[A-Za-z0-9_-]{32}$/);
    // Without the token the bridge refuses.
    expect((await fetch(url.replace(/\/[^/]+$/, ''), { method: 'POST', body: '{}' })).status).toBe(401);

    await page.getByTestId('mcp-target').selectOption('console');
    await expect.poll(async () => page.getByTestId('mcp-config-text').textContent()).toBe(`claude mcp add --transport http reachy ${url}`);

    const client = new Client({ name: 'panel-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const r = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'get_status' } })) as {
      content: Array<{ text: string }>;
    };
    expect(JSON.parse(r.content[0].text).success).toBe(true);
    const refused = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'reachy-mini-1', function: 'wake_up' } })) as {
      content: Array<{ text: string }>;
    };
    expect(JSON.parse(refused.content[0].text).error).toMatch(/not allowed/);
    await client.close();

    const rows = page.getByTestId('mcp-calls').locator('tbody tr');
    await expect.poll(async () => rows.count(), { timeout: 10_000 }).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('wake_up');
    expect(await rows.nth(1).textContent()).toContain('reachy-mini-1::get_status');

    await page.getByTestId('mcp-stop').click();
    await expect.poll(async () => page.getByTestId('mcp-status').textContent()).toBe('Bridge stopped');
  });
});
