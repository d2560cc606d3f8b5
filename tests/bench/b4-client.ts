/**
 * B4's caller, in a process of its own (as an agent is): `node --import tsx tests/bench/b4-client.ts <nats-url>
 * <device-id> <rounds>` captures with the head still, then moving, with MeshClient, and prints one JSON line
 * {still, moving, bytes}. In the bench process the garbage of the benches before (5,000 devices, the browser runs)
 * added GC pauses to the capture times: p99 24 ms there against 14 ms alone.
 */
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../src/main/mesh';

const [url, deviceId, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const conn = await openMesh(meshConfigFromEnv({}, { urls: [url], allowInsecure: true, discoveryMode: 'd2d' }));
const client = createMeshClient({ connection: conn, ownsConnection: true, discoveryWaitMs: 200 });

const capture = async (): Promise<{ ms: number; bytes: number }> => {
  const t0 = performance.now();
  const r = (await client.invoke(deviceId, 'capture_video_frame', { encoding: 'jpeg' }, { timeoutMs: 10_000 })) as { rpc_json_bytes: number; width: number };
  const ms = performance.now() - t0;
  if (r.width !== 640) throw new Error(`unexpected width ${r.width}`);
  return { ms, bytes: r.rpc_json_bytes };
};

for (let i = 0; i < 20; i++) await capture();
const still: number[] = [];
const bytes: number[] = [];
for (let i = 0; i < rounds; i++) {
  const c = await capture();
  still.push(c.ms);
  bytes.push(c.bytes);
}
// Moving head: a new realtime yaw target before each capture, so every frame is a fresh render.
const moving: number[] = [];
for (let i = 0; i < rounds; i++) {
  await client.invoke(deviceId, 'look_at_world', { yaw: ((i % 40) - 20) * 1.5, duration_s: 0 }, { timeoutMs: 10_000 });
  await new Promise((r) => setTimeout(r, 25)); // one sim tick so the pose has changed
  const c = await capture();
  moving.push(c.ms);
  bytes.push(c.bytes);
}
process.stdout.write(JSON.stringify({ still, moving, bytes }) + '\n');
await client.close();
process.exit(0);
