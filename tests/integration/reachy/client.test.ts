/**
 * Contract tests of the daemon client against the simulator, for both transports: every DaemonClient method, the
 * error paths (503, 422, unknown uuid) and client-side validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../../src/main/reachy';
import { DaemonError, createDaemonClient, targetForSimulator } from '../../../src/main/reachy';
import { INIT_HEAD_POSE, SLEEP_HEAD_POSE, poseToMat4, yawOf } from '../../../src/main/reachy/kinematics';
import { startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { setStderrLogging } from '../../../src/main/log';
import { waitFor } from '../sim/util';

setStderrLogging(false);

const near = (a: number[], b: number[], tol = 1e-6) => a.every((v, i) => Math.abs(v - b[i]) < tol);

for (const transportMode of ['websocket', 'http'] as const) {
  describe(`DaemonClient over ${transportMode}`, () => {
    let sim: Simulator;
    let client: DaemonClient;
    beforeAll(async () => {
      sim = await startSimulator({ mode: 'mockup', seed: 5 });
      await sim.ready();
      client = createDaemonClient({ target: targetForSimulator(sim), transportMode });
      await client.start();
    });
    afterAll(async () => {
      await client.close();
      await sim.stop();
    });

    it('connects and streams the observed state', async () => {
      expect(client.connection()).toMatchObject({ status: 'connected', transport: transportMode, attempts: 0 });
      await waitFor(() => client.latestState() !== null);
      const s = client.latestState()!;
      expect(near(s.headPose, SLEEP_HEAD_POSE)).toBe(true);
      expect(s.antennas).toEqual([-3.05, 3.05]);
      expect(s.headJoints).toHaveLength(7);
      if (transportMode === 'websocket') await waitFor(() => client.latestState()!.imu?.quaternion.length === 4);
      const seen: number[] = [];
      const off = client.onState((st) => seen.push(st.receivedAt));
      await waitFor(() => seen.length >= 3);
      off();
    });

    it('daemonStatus, motors, media, camera, volume', async () => {
      expect(await client.daemonStatus()).toMatchObject({ state: 'running', mockup_sim_enabled: true });
      await client.setMotorMode('disabled');
      expect(await client.motorMode()).toBe('disabled');
      await client.setMotorMode('enabled');
      expect(await client.mediaStatus()).toEqual({ available: true, released: false, no_media: false });
      await client.releaseMedia();
      expect((await client.mediaStatus()).released).toBe(true);
      await client.acquireMedia();
      await client.playSound('dance1.wav');
      expect(sim.playedSounds().at(-1)?.file).toBe('dance1.wav');
      expect((await client.cameraSpecs()).default_resolution).toMatchObject({ width: 1280, height: 720 });
      expect(await client.setVolume(20)).toMatchObject({ volume: 20 });
      expect((await client.volume()).volume).toBe(20);
    });

    it('wakeUp and gotoSleep complete at the reference poses', async () => {
      const wake = await client.wakeUp();
      expect(await wake.done).toMatchObject({ uuid: wake.uuid, status: 'completed' });
      await waitFor(() => near(client.latestState()!.headPose, INIT_HEAD_POSE));
      const sleep = await client.gotoSleep();
      expect((await sleep.done).status).toBe('completed');
      await waitFor(() => near(client.latestState()!.headPose, SLEEP_HEAD_POSE));
      // goto_sleep leaves the motors off; wakeUp turns them back on first.
      expect(await client.motorMode()).toBe('disabled');
      expect((await (await client.wakeUp()).done).status).toBe('completed');
      expect(await client.motorMode()).toBe('enabled');
    });

    it('setTarget applies a realtime target', async () => {
      const head = poseToMat4({ x: 0, y: 0, z: 0.005, roll: 0, pitch: 0.15, yaw: -0.2 });
      await client.setTarget({ headPose: head, antennas: [0.2, -0.2], bodyYaw: 0.05 });
      await waitFor(() => near(client.latestState()!.headPose, head) && client.latestState()!.antennas[0] === 0.2);
      expect(client.latestState()!.bodyYaw).toBeCloseTo(0.05, 9);
      const last = sim.targetLog().at(-1)!;
      expect(last.source).toBe(transportMode === 'websocket' ? 'ws_sdk' : 'rest');
    });

    it('goto completes; the interpolation method reaches the robot only over websocket', async () => {
      sim.clearTargetLog();
      const head = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0.5 });
      const h = await client.goto({ headPose: head, antennas: [0, 0], durationS: 0.3, interpolation: 'ease_in_out' });
      expect(await h.done).toEqual({ uuid: h.uuid, status: 'completed', details: '' });
      await waitFor(() => Math.abs(yawOf(client.latestState()!.headPose) - 0.5) < 1e-9);
      expect(sim.targetLog()[0].method).toBe(transportMode === 'websocket' ? 'ease_in_out' : 'minjerk');
    });

    it('stopMove cancels a running move; runningMoves lists it; unknown uuids are not an error', async () => {
      const h = await client.goto({ headPose: INIT_HEAD_POSE, durationS: 10 });
      expect(await client.runningMoves()).toContain(h.uuid);
      await client.stopMove(h.uuid);
      expect((await h.done).status).toBe('cancelled');
      await client.stopMove('0b6f2a1e-5a9b-4a43-8f0e-5a1b7f1d2c3e');
      const h2 = await client.goto({ antennas: [0.1, 0.1], durationS: 10 });
      await client.stopMove();
      expect((await h2.done).status).toBe('cancelled');
      expect(await client.runningMoves()).toEqual([]);
    });

    it('setAutomaticBodyYaw toggles the body-yaw rule', async () => {
      await client.setAutomaticBodyYaw(false);
      await waitFor(() => sim.core.model.automaticBodyYaw === false);
      await client.setTarget({ headPose: poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 1.0 }), bodyYaw: 0.1 });
      await waitFor(() => Math.abs(client.latestState()!.bodyYaw - 0.1) < 1e-9);
      await client.setAutomaticBodyYaw(true);
      await waitFor(() => sim.core.model.automaticBodyYaw === true);
    });

    it('validates input before sending and maps daemon errors', async () => {
      await expect(client.setVolume(101)).rejects.toThrow(/setVolume/);
      await expect(client.goto({ durationS: 0 })).rejects.toThrow(/durationS/);
      await expect(client.setTarget({ headPose: [1, 0] })).rejects.toThrow(/headPose/);
      await expect(client.setTarget({ bodyYaw: Number.NaN })).rejects.toThrow(/bodyYaw/);
      sim.faults.unavailable(true);
      const err = await client.motorMode().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DaemonError);
      expect(err).toMatchObject({ status: 503, detail: 'Backend not running' });
      sim.faults.unavailable(false);
      await waitFor(() => client.connection().status === 'connected', 5000);
    });
  });
}

describe('DaemonClient target handling', () => {
  it('refuses an unresolved sim target and reports an unreachable daemon as lost', async () => {
    expect(() => createDaemonClient({ target: { kind: 'sim', host: '127.0.0.1', port: 0, baseUrl: 'http://127.0.0.1:0' } })).toThrow(/targetForSimulator/);
    const sim = await startSimulator();
    const port = sim.port;
    await sim.stop();
    const c = createDaemonClient({ target: { kind: 'host', host: '127.0.0.1', port, baseUrl: `http://127.0.0.1:${port}` }, transportMode: 'auto' });
    await c.start();
    expect(c.connection().status).toBe('lost');
    expect(c.connection().error).toMatch(/ECONNREFUSED|failed/);
    await expect(c.daemonStatus()).rejects.toMatchObject({ status: null });
    await c.close();
    expect(c.connection().status).toBe('closed');
  });
});
