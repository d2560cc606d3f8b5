/**
 * A recording of the simulated robot read back with @mcap/core: every schema and message valid, frames are JPEGs,
 * log times monotonic per channel, and every invoke present once with its caller and duration — the console's
 * (MeshClient), an MCP agent's (tool call + the invoke it caused), and a call from another mesh member that only
 * the driver's runtime saw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimStack, type SimStack } from '../../../src/main/app/sim-stack';
import { Recorder } from '../../../src/main/record/recorder';
import { BridgeTools } from '../../../src/main/mcp/tools';
import { createLogger } from '../../../src/main/log';
import { checkRecording, type CheckedRecording } from '../../helpers/mcap-check';

describe('recording a simulated session', () => {
  let stack: SimStack;
  let dir: string;
  let rec: CheckedRecording;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rec-'));
    stack = await startSimStack({ deviceId: 'reachy-mini-1' });
    const out = join(dir, 'session.mcap');
    const recorder = await Recorder.start({ mesh: stack.mesh, out, devices: ['reachy-mini-1'], videoFps: 5, chunkBytes: 16 * 1024 });
    // The console's call: its MeshClient, with its device id as source.
    await stack.mesh.invoke('reachy-mini-1', 'get_joints', {}, { sourceDevice: 'console-testhost' });
    // An MCP agent's tool call.
    const tools = new BridgeTools({
      mesh: () => stack.mesh,
      inProcessMesh: true,
      panoramaDir: dir,
      logger: createLogger('test-mcp'),
      allow: null,
    }); // not wired to the recorder: tool calls of this process reach it on their own (as in the console)
    const tr = await tools.invokeDevice({ device_id: 'reachy-mini-1', function: 'get_imu', arguments: '{}' } as Parameters<BridgeTools['invokeDevice']>[0]);
    expect(tr.isError).toBe(false);
    tools.close();
    // Another mesh member (its own connection, as from another process): only the driver's runtime sees it.
    const other = stack.local.connect();
    const reply = await other.request(
      'device-connect.default.reachy-mini-1.cmd',
      JSON.stringify({ jsonrpc: '2.0', id: 'other-1', method: 'get_body_yaw', params: { _dc_meta: { source_device: 'other-member' } } }),
      5000,
    );
    expect(new TextDecoder().decode(reply)).toContain('"result"');
    await other.close();
    // A refused call is recorded with its error.
    await stack.mesh.invoke('reachy-mini-1', 'look_at_world', { pitch: 90 }, { sourceDevice: 'console-testhost' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    const stats = await recorder.stop();
    expect(stats.state).toBe('stopped');
    rec = await checkRecording(out);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is a complete, valid file: schemas compile, messages validate, frames are JPEG, times monotonic', () => {
    expect(rec.records.complete).toBe(true);
    expect(rec.problems).toEqual([]);
    expect(rec.jpegFrames).toBeGreaterThan(0);
    // State at the driver's 20 Hz for ~1.5 s, and one transform set per state sample.
    const state = rec.byTopic.get('/reachy-mini-1/state') ?? [];
    expect(state.length).toBeGreaterThan(15);
    expect(rec.byTopic.get('/tf')?.length).toBe(state.length);
    expect(state[0].value.imu).toMatchObject({ accelerometer: expect.any(Array) });
    const tf = rec.byTopic.get('/tf')![0].value as { transforms: Array<{ parent_frame_id: string; child_frame_id: string }> };
    expect(tf.transforms.map((t) => `${t.parent_frame_id}>${t.child_frame_id}`)).toEqual([
      'reachy-mini-1/base>reachy-mini-1/body',
      'reachy-mini-1/body>reachy-mini-1/head',
      'reachy-mini-1/head>reachy-mini-1/camera',
    ]);
    expect((rec.byTopic.get('/reachy-mini-1/camera')![0].value as { frame_id: string }).frame_id).toBe('reachy-mini-1/camera');
  });

  it('records each invoke once, with caller, params, outcome and duration', () => {
    const invokes = (rec.byTopic.get('/reachy-mini-1/invokes') ?? []).map((m) => m.value);
    const pick = (fn: string): Array<Record<string, unknown>> => invokes.filter((i) => i.function === fn);
    expect(pick('get_joints')).toHaveLength(1);
    expect(pick('get_joints')[0]).toMatchObject({ caller: 'console-testhost', seen_at: 'client', ok: true });
    expect(pick('get_imu')).toHaveLength(1);
    expect(pick('get_imu')[0]).toMatchObject({ caller: 'mcp-agent', ok: true });
    expect(pick('get_body_yaw')).toHaveLength(1);
    expect(pick('get_body_yaw')[0]).toMatchObject({ caller: 'other-member', seen_at: 'device', ok: true });
    const refused = pick('look_at_world');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ ok: false, params: { pitch: 90 } });
    expect(String(refused[0].error)).toMatch(/pitch/);
    for (const i of invokes) expect(i.duration_ms).toBeGreaterThanOrEqual(0);
    // The recorder's own frame grabs are not invokes anyone made.
    expect(pick('capture_video_frame')).toHaveLength(0);
  });

  it("records the agent's tool call with its arguments and result beside the invoke", () => {
    const calls = (rec.byTopic.get('/mcp/tool_calls') ?? []).map((m) => m.value);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tool: 'invoke_device', is_error: false, arguments: { function: 'get_imu' } });
    expect(JSON.stringify(calls[0].result)).toContain('accelerometer');
  });
});
