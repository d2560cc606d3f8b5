/** Real simulator with its media attached + the real driver (media on) over a mesh + an agent-side MeshClient. */
import { setStderrLogging } from '../../../src/main/log';
import { createLocalMesh, createMeshClient, meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { targetForSimulator } from '../../../src/main/reachy';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { attachSimMedia, type AttachSimMediaOptions, type SimMedia } from '../../../src/main/sim/media';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';

export interface MediaStack {
  sim: Simulator;
  media: SimMedia;
  driver: ReachyDriverHandle;
  client: MeshClient;
  deviceId: string;
  close(): Promise<void>;
}

export async function startMediaStack(opts: { natsUrl?: string; media?: AttachSimMediaOptions } = {}): Promise<MediaStack> {
  setStderrLogging(process.env.MEDIA_TEST_LOGS === '1');
  const sim = await startSimulator({ port: 0, mode: 'mockup', seed: 3 });
  await sim.ready();
  const media = await attachSimMedia(sim, { webrtc: false, ...opts.media });
  const local = opts.natsUrl ? null : createLocalMesh();
  const connections: MeshConnection[] = [];
  const connect = async (): Promise<MeshConnection> => {
    const c = local
      ? local.connect({ requestTimeoutMs: 10_000 })
      : await openMesh(meshConfigFromEnv({}, { urls: [opts.natsUrl!], allowInsecure: true, requestTimeoutMs: 10_000, discoveryMode: 'd2d' }));
    connections.push(c);
    return c;
  };
  const deviceId = 'reachy-media-1';
  const driver = await startReachyDriver({ connection: await connect(), target: targetForSimulator(sim), deviceId, stateHz: 0, media: true, heartbeatLogS: 0 });
  const client = createMeshClient({ connection: await connect(), ownsConnection: true, discoveryWaitMs: 300 });
  return {
    sim,
    media,
    driver,
    client,
    deviceId,
    async close() {
      await client.close().catch(() => undefined);
      await driver.close().catch(() => undefined);
      for (const c of connections) await c.close().catch(() => undefined);
      await media.close();
      await sim.stop();
    },
  };
}
