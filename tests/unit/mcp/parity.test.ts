/**
 * Reference-parity details an agent or a registry notices: registration before the first heartbeat (infra), the
 * driver's location in its registration, and get_device_functions of an unknown device answered from the D2D
 * collector without a new discovery round.
 */
import { describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient, DeviceRuntime } from '../../../src/main/mesh';
import { bytesToString } from '../../../src/main/mesh/connection';
import { subjects } from '../../../src/main/mesh/subjects';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { BridgeTools } from '../../../src/main/mcp/tools';
import { startSimulator } from '../../../src/main/sim';
import { targetForSimulator } from '../../../src/main/reachy';
import { startReachyDriver } from '../../../src/main/driver';
import { createSensor } from './fixtures';

setStderrLogging(false);

describe('reference parity', () => {
  it('infra mode: the device registers before its first heartbeat, and reports its location in the registration', async () => {
    const local = createLocalMesh();
    const registryConn = local.connect();
    const seen: string[] = [];
    let registration: { status?: { location?: string } } = {};
    registryConn.subscribe(subjects.registry('default'), (msg) => {
      seen.push('registerDevice');
      registration = (JSON.parse(bytesToString(msg.data)) as { params: typeof registration }).params;
      if (msg.reply) {
        const id = (JSON.parse(bytesToString(msg.data)) as { id: string }).id;
        registryConn.publish(msg.reply, JSON.stringify({ jsonrpc: '2.0', id, result: { status: 'registered', device_registration_id: '16ace076-575f-420a-bf93-46b8b6a16247' } }));
      }
    });
    registryConn.subscribe(subjects.heartbeatAll('default'), () => seen.push('heartbeat'));
    const rt = new DeviceRuntime({
      connection: local.connect(),
      discoveryMode: 'infra',
      registerJitterMs: 0,
      deviceId: 'loc-1',
      deviceType: 'lamp',
      description: 'A lamp.',
      location: 'lab-7',
      functions: [],
    });
    try {
      await rt.start();
      await new Promise((r) => setTimeout(r, 50));
      expect(seen[0]).toBe('registerDevice');
      expect(seen).toContain('heartbeat');
      expect(seen.filter((s) => s === 'registerDevice')).toHaveLength(1);
      expect(registration.status?.location).toBe('lab-7');
    } finally {
      await rt.stop();
    }
  });

  it('the Reachy driver reports --location as status.location in its presence, so list_devices filters by it', async () => {
    const sim = await startSimulator({ port: 0, mode: 'mockup', seed: 3 });
    await sim.ready();
    const local = createLocalMesh();
    const driver = await startReachyDriver({
      connection: local.connect(),
      target: targetForSimulator(sim),
      deviceId: 'reachy-loc',
      location: 'lab-7',
      stateHz: 0,
      media: false,
      heartbeatLogS: 0,
    });
    const mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 300 });
    const tools = new BridgeTools({ mesh: () => mesh, logger: createLogger('test') });
    try {
      expect(driver.runtime.currentStatus().location).toBe('lab-7');
      expect(JSON.parse(driver.runtime.presenceJson()).status.location).toBe('lab-7');
      const found = JSON.parse((await tools.listDevices({ location: 'lab-7' })).text);
      expect(found.devices.map((d: { device_id: string; location: string }) => [d.device_id, d.location])).toEqual([['reachy-loc', 'lab-7']]);
    } finally {
      tools.close();
      await mesh.close();
      await driver.close();
      await sim.stop();
    }
  });

  it('get_device_functions of an unknown device (D2D) answers from the collector, without a new discovery probe', async () => {
    const local = createLocalMesh();
    const rt = createSensor(local.connect());
    await rt.start();
    const mesh = createMeshClient({ connection: local.connect(), discoveryWaitMs: 300 });
    const probes: number[] = [];
    const watcher = local.connect();
    watcher.subscribe(subjects.probe('default'), () => probes.push(Date.now()));
    const tools = new BridgeTools({ mesh: () => mesh, logger: createLogger('test') });
    try {
      expect(JSON.parse((await tools.getDeviceFunctions({ device_id: 'sensor-001' })).text).device_id).toBe('sensor-001');
      const before = probes.length;
      const ghost = await tools.getDeviceFunctions({ device_id: 'ghost' });
      expect(ghost).toEqual({ text: '{"error": "Device ghost not found"}', isError: true });
      expect(probes.length).toBe(before);
    } finally {
      tools.close();
      await mesh.close();
      await rt.stop();
    }
  });
});
