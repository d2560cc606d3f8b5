import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLocalMesh, createMeshClient, type DeviceRuntime, type MeshClient } from '../../../src/main/mesh';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { createMcpService } from '../../../src/main/mcp/console-service';
import { appendCallRecord } from '../../../src/main/mcp/call-log';
import { registerPickedConfigPath } from '../../../src/main/mcp/client-config';
import { startHttpBridge } from '../../../src/main/mcp/http-host';
import { BridgeTools } from '../../../src/main/mcp/tools';
import type { ConsolePush } from '../../../src/shared/console-api';
import { mcpMethods } from '../../../src/shared/console-api/mcp';
import { createSensor } from './fixtures';

setStderrLogging(false);

describe('console mcp service: console-hosted bridge, client config, tool-call log', () => {
  let rt: DeviceRuntime;
  let mesh: MeshClient;
  const pushes: ConsolePush[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-svc-'));
  let service: ReturnType<typeof createMcpService>;

  beforeAll(async () => {
    const local = createLocalMesh();
    rt = createSensor(local.connect());
    await rt.start();
    mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 200 });
    service = createMcpService({ mesh: () => mesh, push: (p) => pushes.push(p), logger: createLogger('test'), dataDir });
  });
  afterAll(async () => {
    await service.close();
    await mesh.close();
    await rt.stop();
  });

  it('starts a bridge an MCP client can use over HTTP, and logs and pushes every call', async () => {
    const h = service.handlers;
    const st = (await h.mcpStart(mcpMethods.mcpStart.input.parse({ port: 0, readOnly: true }))) as { running: boolean; url: string; allow: string[] };
    expect(st.running).toBe(true);
    expect(st.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/[A-Za-z0-9_-]{32}$/);
    expect(st.allow).toEqual(['access=read', 'stop']);

    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(st.url)));
    const r = await client.callTool({ name: 'invoke_device', arguments: { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 1}' } });
    expect(JSON.parse((r.content as Array<{ text: string }>)[0].text).error).toContain('not allowed');
    const ok = await client.callTool({ name: 'get_device_functions', arguments: { device_id: 'sensor-001' } });
    expect(JSON.parse((ok.content as Array<{ text: string }>)[0].text).device_id).toBe('sensor-001');
    expect(((await h.mcpStatus({})) as { sessions: number }).sessions).toBe(1);
    await client.close();

    const log = (await h.mcpCallLog({ limit: 10 })) as Array<{ tool: string; ok: boolean }>;
    expect(log.map((c) => [c.tool, c.ok])).toEqual([
      ['invoke_device', false],
      ['get_device_functions', true],
    ]);

    const code = (await h.mcpClientConfig({ client: 'claude-code', target: 'console', serverName: 'reachy', readOnly: false, launcher: 'node' })) as {
      text: string;
    };
    expect(code.text).toBe(`claude mcp add --transport http reachy ${st.url}`);

    expect(((await h.mcpStop({})) as { running: boolean }).running).toBe(false);
    expect(pushes.filter((p) => p.type === 'mcp_call')).toHaveLength(2);
    await expect(fetch(st.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('shows calls that stdio bridges append to the console call-log file', async () => {
    const st = (await service.handlers.mcpStatus({})) as { callLogFile: string };
    await new Promise((r) => setTimeout(r, 700)); // the tailer has found the file's end
    appendCallRecord(st.callLogFile, { ts: Date.now(), tool: 'describe_fleet', arguments: {}, ok: true, summary: '1 devices', elapsedMs: 2 });
    await expect
      .poll(async () => ((await service.handlers.mcpCallLog({ limit: 1 })) as Array<{ summary: string }>)[0]?.summary, { timeout: 3000 })
      .toBe('1 devices');
  });

  it('writes the Claude Desktop config to a file chosen in the native dialog (by its token), not to a typed path', async () => {
    const path = join(dataDir, 'claude_desktop_config.json');
    const input = { client: 'claude-desktop' as const, target: 'sim' as const, serverName: 'reachy', readOnly: false, launcher: 'npx' as const };
    await expect(service.handlers.mcpWriteClientConfig({ ...input, path })).rejects.toThrow(/refused/);
    const res = (await service.handlers.mcpWriteClientConfig({ ...input, path: registerPickedConfigPath(path) })) as { path: string; servers: string[] };
    expect(res).toMatchObject({ path, servers: ['reachy'] });
  });
});

describe('console-hosted MCP bridge token', () => {
  it('refuses requests without the token or with a wrong one (401, nothing runs) and serves the token holder', async () => {
    const local = createLocalMesh();
    const rt = createSensor(local.connect());
    await rt.start();
    const mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 200 });
    const calls: string[] = [];
    const tools = new BridgeTools({ mesh: () => mesh, logger: createLogger('test'), onCall: (r) => calls.push(r.tool) });
    const http = await startHttpBridge({ tools, logger: createLogger('test') });
    try {
      const init = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const none = await fetch(http.endpoint, { method: 'POST', headers, body: init });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/missing or wrong token/);
      const wrong = await fetch(`${http.endpoint}/${'x'.repeat(http.token.length)}`, { method: 'POST', headers, body: init });
      expect(wrong.status).toBe(401);
      const wrongParam = await fetch(`${http.endpoint}?token=${'x'.repeat(http.token.length)}`, { method: 'POST', headers, body: init });
      expect(wrongParam.status).toBe(401);
      const wrongBearer = await fetch(http.endpoint, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body: init });
      expect(wrongBearer.status).toBe(401);
      expect(http.sessions()).toBe(0);

      // The URL the console shows carries the token (no character a shell expands); a bearer header works as well.
      expect(http.url).toBe(`${http.endpoint}/${http.token}`);
      const viaUrl = new Client({ name: 'url', version: '1' });
      await viaUrl.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      const r = await viaUrl.callTool({ name: 'invoke_device', arguments: { device_id: 'sensor-001', function: 'get_reading' } });
      expect(JSON.parse((r.content as Array<{ text: string }>)[0].text).result.temperature).toBe(22.5);
      await viaUrl.close();
      const viaHeader = new Client({ name: 'hdr', version: '1' });
      await viaHeader.connect(
        new StreamableHTTPClientTransport(new URL(http.endpoint), { requestInit: { headers: { authorization: `Bearer ${http.token}` } } }),
      );
      expect((await viaHeader.listTools()).tools).toHaveLength(5);
      await viaHeader.close();
      expect(calls).toEqual(['invoke_device']);
    } finally {
      await http.close();
      tools.close();
      await mesh.close();
      await rt.stop();
    }
  });
});
