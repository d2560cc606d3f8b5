import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { z } from 'zod';
import { createLocalMesh, createMeshClient, defineFunction, DeviceRuntime, type MeshClient } from '../../../src/main/mesh';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { BridgeTools } from '../../../src/main/mcp/tools';
import { createBridgeServer, deviceIdFromUri, type BridgeServer } from '../../../src/main/mcp/server';
import { createSensor } from './fixtures';

setStderrLogging(false);

const textOf = (r: unknown): string => (r as { content: Array<{ text: string }> }).content[0].text;

describe('MCP server layer (in-memory transport)', () => {
  let rt: DeviceRuntime;
  let mesh: MeshClient;
  let tools: BridgeTools;
  let server: BridgeServer;
  let client: Client;

  beforeAll(async () => {
    const local = createLocalMesh();
    rt = createSensor(local.connect());
    await rt.start();
    mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 200 });
    tools = new BridgeTools({ mesh: () => mesh, logger: createLogger('test') });
    server = createBridgeServer({ tools, logger: createLogger('test') });
    const [a, b] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'test', version: '1' });
    await Promise.all([server.mcp.connect(a), client.connect(b)]);
  });
  afterAll(async () => {
    await client.close();
    server.dispose();
    tools.close();
    await mesh.close();
    await rt.stop();
  });

  it('lists the five tools with input schemas and defaults as the reference signatures', async () => {
    const { tools: list } = await client.listTools();
    expect(list.map((t) => t.name).sort()).toEqual(['describe_fleet', 'get_device_functions', 'invoke_device', 'list_devices', 'wait_for_event']);
    const byName = Object.fromEntries(list.map((t) => [t.name, t]));
    expect(byName.invoke_device.inputSchema.required).toEqual(['device_id', 'function']);
    expect(byName.invoke_device.inputSchema.properties).toMatchObject({ arguments: { type: 'string', default: '{}' } });
    expect(byName.list_devices.inputSchema.properties).toMatchObject({ offset: { default: 0 }, limit: { default: 20 } });
    expect(byName.wait_for_event.inputSchema.properties).toMatchObject({ timeout_seconds: { default: 60 }, match_params: { default: '{}' } });
    expect(byName.get_device_functions.inputSchema.required).toEqual(['device_id']);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    expect(byName.describe_fleet.annotations?.readOnlyHint).toBe(true);
    expect(byName.invoke_device.annotations?.readOnlyHint).toBe(false);
    expect(client.getInstructions()).toMatch(/^Device Connect bridge/);
  });

  it('calls tools and rejects bad input naming the field', async () => {
    const r = await client.callTool({ name: 'invoke_device', arguments: { device_id: 'sensor-001', function: 'get_reading', arguments: '{"unit":"F"}' } });
    expect(JSON.parse(textOf(r))).toEqual({ success: true, result: { temperature: 72.5, unit: 'F', humidity: 45 } });
    const bad = await client.callTool({ name: 'list_devices', arguments: { limit: -3 } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('limit');
  });

  it('events://devices/{id}/latest: read, subscribe, and get notified of new events', async () => {
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const uri = 'events://devices/sensor-001/latest';
    await client.subscribeResource({ uri });
    await client.callTool({ name: 'invoke_device', arguments: { device_id: 'sensor-001', function: 'set_threshold', arguments: '{"value": 3.5}' } });
    await expect.poll(() => updates.length).toBeGreaterThan(0);
    expect(updates[0]).toBe(uri);
    const read = await client.readResource({ uri });
    const latest = JSON.parse((read.contents[0] as { text: string }).text);
    expect(latest).toMatchObject({ device_id: 'sensor-001', event_name: 'alert', params: { message: 'threshold set to 3.5' } });
    await client.unsubscribeResource({ uri });
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain('events://devices/{device_id}/latest');
  });

  it('parses resource URIs strictly', () => {
    expect(deviceIdFromUri('events://devices/reachy-mini-1/latest')).toBe('reachy-mini-1');
    expect(deviceIdFromUri('events://devices/a/b/latest')).toBeNull();
    expect(deviceIdFromUri('file:///etc/passwd')).toBeNull();
  });
});

describe('image results come from the function table, not from names', () => {
  it('a function labelled result=image answers with an image block; the same reply from an unlabelled one stays JSON', async () => {
    const png = (await sharp({ create: { width: 4, height: 2, channels: 3, background: '#ff0000' } }).png().toBuffer()).toString('base64');
    const local = createLocalMesh();
    const reply = () => ({ status: 'success', format: 'png', width: 4, height: 2, data_b64: png });
    const rt = new DeviceRuntime({
      connection: local.connect(),
      deviceId: 'cam-1',
      deviceType: 'camera',
      description: 'A camera.',
      functions: [
        defineFunction({ name: 'snap', description: 'A picture.', labels: { result: 'image', access: 'read' }, params: z.object({}), handler: reply }),
        defineFunction({ name: 'snap_json', description: 'The same, undeclared.', params: z.object({}), handler: reply }),
      ],
    });
    await rt.start();
    const mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 200 });
    const tools = new BridgeTools({ mesh: () => mesh, logger: createLogger('test') });
    const server = createBridgeServer({ tools, logger: createLogger('test') });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1' });
    await Promise.all([server.mcp.connect(a), client.connect(b)]);
    try {
      const r = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'cam-1', function: 'snap' } })) as {
        content: Array<{ type: string; data?: string; mimeType?: string; text?: string }>;
      };
      expect(r.content.map((c) => [c.type, c.mimeType])).toEqual([['image', 'image/png'], ['text', undefined]]);
      expect(r.content[0].data).toBe(png);
      expect(JSON.parse(r.content[1].text ?? '')).toEqual({
        success: true,
        result: { status: 'success', format: 'png', width: 4, height: 2, image: `image/png, ${Buffer.from(png, 'base64').length} bytes, sent as an MCP image content block` },
      });
      const plain = (await client.callTool({ name: 'invoke_device', arguments: { device_id: 'cam-1', function: 'snap_json' } })) as {
        content: Array<{ type: string; text: string }>;
      };
      expect(plain.content.map((c) => c.type)).toEqual(['text']);
      expect(JSON.parse(plain.content[0].text).result.data_b64).toBe(png);
    } finally {
      await client.close();
      server.dispose();
      tools.close();
      await mesh.close();
      await rt.stop();
    }
  });
});
