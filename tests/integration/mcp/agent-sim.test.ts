/**
 * What an agent gets from `reachy-console mcp --sim` over real stdio (the SDK's MCP Client): camera frames as MCP
 * images, failed calls marked isError, stop_motion through a read-only bridge, the prompts (look_around with its
 * panorama image, check_robot) and the resources (a function catalogue per device, panorama://latest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const ROBOT = 'reachy-mini-1';

type Content = { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };
type Result = { content: Content[]; isError?: boolean };

async function connect(args: string[]): Promise<Client> {
  const client = new Client({ name: 'agent-test', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['bin/reachy-console.mjs', 'mcp', '--sim', ...args], cwd: ROOT, stderr: 'ignore', env }));
  return client;
}

const textOf = (r: Result): string => {
  const t = r.content.find((c) => c.type === 'text');
  if (!t || t.type !== 'text') throw new Error('no text block');
  return t.text;
};

async function expectJpeg(base64: string): Promise<{ width: number; height: number }> {
  const bytes = Buffer.from(base64, 'base64');
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('jpeg');
  // Decodes to real pixels, not just a header.
  const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  expect(info.width * info.height).toBeGreaterThan(0);
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

describe('mcp --sim for an agent', () => {
  let client: Client;
  const invoke = async (fn: string, args: Record<string, unknown> = {}, device = ROBOT): Promise<Result> =>
    (await client.callTool({ name: 'invoke_device', arguments: { device_id: device, function: fn, arguments: JSON.stringify(args) } })) as Result;

  beforeAll(async () => {
    client = await connect([]);
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
  });

  it('capture_video_frame comes back as an MCP JPEG image plus a short JSON note of size, encoding and pose', async () => {
    const r = await invoke('capture_video_frame');
    expect(r.isError).toBeUndefined();
    expect(r.content.map((c) => c.type)).toEqual(['image', 'text']);
    const img = r.content[0];
    if (img.type !== 'image') throw new Error('no image block');
    expect(img.mimeType).toBe('image/jpeg');
    expect(await expectJpeg(img.data)).toEqual({ width: 640, height: 360 });
    const note = textOf(r);
    expect(note.length).toBeLessThan(2000);
    const parsed = JSON.parse(note);
    expect(parsed.success).toBe(true);
    expect(parsed.result).toMatchObject({ encoding: 'jpeg', format: 'jpeg', width: 640, height: 360, body_yaw_deg: expect.any(Number) });
    expect(parsed.result.head_pose.rpy_deg).toEqual({ roll: expect.any(Number), pitch: expect.any(Number), yaw: expect.any(Number) });
    expect(parsed.result).not.toHaveProperty('data_b64');

    // raw RGB is no image format an MCP client shows: it stays JSON, as declared by the reply's format.
    const raw = await invoke('capture_video_frame', { encoding: 'raw', max_edge: 64 });
    expect(raw.content.map((c) => c.type)).toEqual(['text']);
    expect(JSON.parse(textOf(raw)).result.format).toBe('raw');
  });

  it('marks every failed call isError, keeping the reference JSON text; an unknown device names the devices that exist', async () => {
    const refused = await invoke('set_body_yaw', { yaw_deg: 400 });
    expect(refused.isError).toBe(true);
    expect(JSON.parse(textOf(refused))).toEqual({ success: false, error: expect.stringMatching(/^Device error: .*yaw_deg=400/) });

    const ghost = await invoke('get_status', {}, 'ghost');
    expect(ghost.isError).toBe(true);
    expect(JSON.parse(textOf(ghost)).error).toBe(
      `Failed to invoke ghost::get_status: no device 'ghost' on this bridge's in-process mesh (no broker involved); devices here: ${ROBOT}`,
    );
    expect(textOf(ghost)).not.toContain('nats');

    const missing = (await client.callTool({ name: 'get_device_functions', arguments: { device_id: 'ghost' } })) as Result;
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe('{"error": "Device ghost not found"}');

    const badMatch = (await client.callTool({ name: 'wait_for_event', arguments: { device_id: ROBOT, match_params: '{nope' } })) as Result;
    expect(badMatch.isError).toBe(true);
    expect(JSON.parse(textOf(badMatch))).toEqual({ error: expect.stringMatching(/^invalid match_params: /) });

    const ok = await invoke('get_status');
    expect(ok.isError).toBeUndefined();
    expect(JSON.parse(textOf(ok)).success).toBe(true);
  });

  it('lists the prompts and a function catalogue resource per device', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['check_robot', 'look_around']);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining([`devices://${ROBOT}/functions`, 'panorama://latest', `events://devices/${ROBOT}/latest`]));
    const cat = await client.readResource({ uri: `devices://${ROBOT}/functions` });
    const doc = JSON.parse((cat.contents[0] as { text: string }).text);
    expect(doc.device_id).toBe(ROBOT);
    const byName = Object.fromEntries(doc.functions.map((f: { name: string; labels: Record<string, string> }) => [f.name, f.labels]));
    expect(byName.stop_motion).toMatchObject({ access: 'motion', stop: 'true' });
    expect(byName.capture_video_frame).toMatchObject({ access: 'read', result: 'image' });
    expect(byName.get_status).toMatchObject({ access: 'read' });
  });

  it('check_robot gathers status, interlock, lease and the last failed calls for the agent', async () => {
    await invoke('look_at_world', { pitch: 45 }); // refused: out of range, so there is a recent failure to report
    const p = await client.getPrompt({ name: 'check_robot', arguments: {} });
    const text = (p.messages[0].content as { text: string }).text;
    expect(text).toMatch(/^Check the robot reachy-mini-1\./);
    const status = JSON.parse(text.split('get_status:\n')[1].split('\n\nRecent failed calls')[0]);
    expect(status.result.driver_state).toMatchObject({ device_id: ROBOT, interlock_state: expect.any(String) });
    expect(status.result.driver_state).toHaveProperty('command_owner');
    expect(text).toMatch(/"function": "look_at_world"/);
  });

  it('panorama://latest says how to get one before any scan; look_around scans and returns the equirect image', async () => {
    const before = await client.readResource({ uri: 'panorama://latest' });
    expect(before.contents).toHaveLength(1);
    expect((before.contents[0] as { text: string }).text).toMatch(/^No panorama yet in .*look_around/);

    const p = await client.getPrompt({ name: 'look_around', arguments: { detail: 'quick' } }, { timeout: 120_000 });
    expect(p.messages.map((m) => m.content.type)).toEqual(['text', 'image']);
    expect((p.messages[0].content as { text: string }).text).toMatch(/360° equirectangular panorama that reachy-mini-1 just took .*6 of 6 pictures/);
    const img = p.messages[1].content as { data: string; mimeType: string };
    expect(img.mimeType).toBe('image/jpeg');
    const size = await expectJpeg(img.data);
    expect(size.width).toBeGreaterThan(size.height); // a wide, all-around picture

    const after = await client.readResource({ uri: 'panorama://latest' });
    const blob = after.contents.find((c) => 'blob' in c) as { blob: string; mimeType: string };
    expect(blob.mimeType).toBe('image/jpeg');
    expect(await expectJpeg(blob.blob)).toEqual(size);
    const note = JSON.parse((after.contents.find((c) => 'text' in c) as { text: string }).text);
    expect(note).toMatchObject({ device_id: ROBOT, status: 'complete', frames_captured: 6 });
  }, 150_000);
});

describe('mcp --sim --read-only', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(['--read-only']);
  });
  afterAll(async () => {
    await client?.close().catch(() => undefined);
  });

  it('allows reading and stop_motion (labelled a stop), refuses motion with isError before it reaches the robot', async () => {
    const call = async (fn: string, args = '{}'): Promise<Result> =>
      (await client.callTool({ name: 'invoke_device', arguments: { device_id: ROBOT, function: fn, arguments: args } })) as Result;
    const stop = await call('stop_motion', '{"reason": "agent test"}');
    expect(stop.isError).toBeUndefined();
    expect(JSON.parse(textOf(stop))).toMatchObject({ success: true, result: { status: 'accepted' } });

    const moved = await call('look_at_world', '{"yaw": 10}');
    expect(moved.isError).toBe(true);
    expect(JSON.parse(textOf(moved)).error).toMatch(/^Function 'look_at_world' is not allowed by this bridge's allow-list .*labelled access=motion/);
    const yaw = JSON.parse(textOf(await call('get_status'))).result.driver_state;
    expect(yaw.last_error ?? null).toBeNull(); // the refusal never reached the driver

    expect((await call('get_joints')).isError).toBeUndefined();

    const { tools } = await client.listTools();
    const inv = tools.find((t) => t.name === 'invoke_device');
    expect(inv?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(inv?.description).toContain('functions labelled access=read');

    await expect(client.getPrompt({ name: 'look_around', arguments: { detail: 'quick' } })).rejects.toThrow(/not allowed by this bridge's allow-list/);
  });
});
