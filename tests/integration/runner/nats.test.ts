/** A policy session over a real nats-server: simulator + driver as a Device Connect device, the runner as a client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { setStderrLogging } from '../../../src/main/log';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';
import { startSimulator, type Simulator } from '../../../src/main/sim/server';
import { attachSimMedia } from '../../../src/main/sim/media';
import { runFromConfig, startDemoPolicyServer, type DemoPolicyServer } from '../../../src/main/runner';
import { errorMessage } from '../../../src/shared/errors';

const ID = 'reachy-runner-nats';
let nats: NatsServerHandle;
let sim: Simulator;
let driver: ReachyDriverHandle;
let client: MeshClient;
let server: DemoPolicyServer;

const cfg = () => meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, requestTimeoutMs: 5000, discoveryMode: 'd2d' });

beforeAll(async () => {
  setStderrLogging(false);
  nats = await startNatsServer();
  sim = await startSimulator({ port: 0 });
  await sim.ready();
  await attachSimMedia(sim, { webrtc: false });
  driver = await startReachyDriver({ connection: await openMesh(cfg()), target: sim.url, deviceId: ID, stateHz: 0 });
  client = createMeshClient({ connection: await openMesh(cfg()), ownsConnection: true });
  server = await startDemoPolicyServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await client?.close();
  await driver?.close();
  await sim?.stop();
  await nats?.stop();
});

describe('policy runner over NATS', () => {
  it('dry_run sends nothing to the robot; apply_actions with the camera moves it; counts add up', async () => {
    const base = {
      max_steps: 4,
      target: { kind: 'openpi', url: server.openpiUrl },
      hardware: { kind: 'reachy_mini', config: { device_id: ID, hz: 50 } },
      cameras: { front: { kind: 'reachy', device_id: ID, max_edge: 160 } },
    };
    sim.clearTargetLog();
    const dry = await runFromConfig(base, { mesh: () => client });
    expect(dry).toMatchObject({ steps: 4, appliedSteps: 0, safeStops: 0, errors: [] });
    expect(sim.targetLog()).toEqual([]);

    const live = await runFromConfig({ ...base, mode: 'apply_actions' }, { mesh: () => client });
    expect(live).toMatchObject({ steps: 4, appliedSteps: 4, safeStops: 0, errors: [] });
    expect(sim.targetLog().length).toBeGreaterThan(0);
  });

  it('a robot that is not on the mesh fails the start with a readable error', async () => {
    const err = await runFromConfig(
      { max_steps: 1, target: { kind: 'websocket', url: server.url }, hardware: { kind: 'reachy_mini', config: { device_id: 'nobody-here', invoke_timeout_s: 0.5 } } },
      { mesh: () => client },
    ).catch((e: unknown) => e);
    expect(errorMessage(err)).toMatch(/nobody-here: .*no responders/);
  });
});
