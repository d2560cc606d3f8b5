/**
 * A large D2D fleet answers a probe over hundreds of milliseconds: the first listing waits until the answers stop
 * arriving (a quiet window that restarts with each new device), bounded by the discovery wait, so it is not cut
 * off after the first few devices.
 */
import { describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient } from '../../../src/main/mesh';

describe('D2D first discovery', () => {
  it('waits for probe answers that keep arriving, then returns them all', async () => {
    const mesh = createLocalMesh();
    const fleet = mesh.connect();
    const N = 40;
    fleet.subscribe('device-connect.default.discovery.probe', () => {
      // One answer every 15 ms: the last arrives ~600 ms after the probe, long after a fixed 150 ms settle.
      for (let i = 0; i < N; i++) {
        setTimeout(() => {
          fleet.publish(
            `device-connect.default.dev-${i}.presence`,
            JSON.stringify({ device_id: `dev-${i}`, capabilities: { functions: [] }, identity: { device_type: 'sensor' }, status: {} }),
          );
        }, 15 * i);
      }
    });
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'd2d' }), discoveryWaitMs: 3_000 });
    try {
      expect((await client.listDevices()).length).toBe(N);
    } finally {
      await client.close();
    }
  });

  it('still returns at the discovery wait when devices never stop appearing', async () => {
    const mesh = createLocalMesh();
    const fleet = mesh.connect();
    let i = 0;
    const t = setInterval(() => {
      fleet.publish(`device-connect.default.dev-${i}.presence`, JSON.stringify({ device_id: `dev-${i}`, capabilities: {}, identity: {}, status: {} }));
      i++;
    }, 20);
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'd2d' }), discoveryWaitMs: 400 });
    try {
      const devices = await client.listDevices();
      expect(devices.length).toBeGreaterThan(0);
      expect(devices.length).toBeLessThan(i + 1);
    } finally {
      clearInterval(t);
      await client.close();
    }
  });
});
