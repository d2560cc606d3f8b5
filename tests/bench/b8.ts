/**
 * B8: what the MCP bridge adds to an invoke. The same `get_status` on a device on a real nats-server, called
 * (a) directly with MeshClient.invoke in this process and (b) as `invoke_device` through the bridge over stdio,
 * interleaved so both see the same machine load; overhead = p50(b) - p50(a). Also reports how long an agent waits
 * from spawning `mcp --sim` to its first successful tool call (mcp-startup.ts).
 */
import { z } from 'zod';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { startNatsServer } from '../helpers/nats-server';
import { median, round, type Bench, type BenchResult } from './harness';
import { spawnBridge } from './mcp-bridge-client';
import { mcpSimStartup } from './mcp-startup';

const ROUNDS = 400;

export const b8: Bench = {
  id: 'B8',
  name: 'MCP invoke_device overhead over a direct mesh invoke',
  async run(): Promise<BenchResult[]> {
    return [await overhead(), await mcpSimStartup()];
  },
};

async function overhead(): Promise<BenchResult> {
  const nats = await startNatsServer();
  const cfg = meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' });
  const devConn = await openMesh(cfg);
  const rt = new DeviceRuntime({
    connection: devConn,
    deviceId: 'bench-1',
    deviceType: 'bench',
    description: 'B8 device',
    functions: [
      defineFunction({
        name: 'get_status',
        description: 'A small status document.',
        params: z.object({}),
        handler: () => ({ ok: true, mode: 'idle', pose: { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 } }),
      }),
    ],
  });
  await rt.start();
  const client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true });
  const bridge = await spawnBridge(nats.url);
  try {
    for (let i = 0; i < 50; i++) {
      await client.invoke('bench-1', 'get_status');
      await bridge.call('invoke_device', { device_id: 'bench-1', function: 'get_status' });
    }
    const direct: number[] = [];
    const viaBridge: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      await client.invoke('bench-1', 'get_status');
      direct.push(performance.now() - t0);
      t0 = performance.now();
      const text = await bridge.call('invoke_device', { device_id: 'bench-1', function: 'get_status' });
      viaBridge.push(performance.now() - t0);
      if (i === 0 && !(JSON.parse(text) as { success: boolean }).success) throw new Error(`bridge invoke failed: ${text}`);
    }
    const overhead = median(viaBridge) - median(direct);
    return {
      id: 'B8',
      name: 'MCP invoke_device (stdio) overhead over a direct MeshClient.invoke, p50',
      metrics: { direct_p50_ms: round(median(direct)), bridge_p50_ms: round(median(viaBridge)), overhead_p50_ms: round(overhead) },
      target: 'overhead p50 ≤ 2 ms',
      pass: overhead <= 2,
    };
  } finally {
    await bridge.close().catch(() => undefined);
    await client.close();
    await rt.stop();
    await devConn.close();
    await nats.stop();
  }
}
