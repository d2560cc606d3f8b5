/**
 * Infra discovery of a large fleet: the client asks for the pages ahead of the cursor a few at a time (the registry
 * says how many devices match), and still follows `next_offset`: a page the registry shortened is completed from
 * where its cursor points, so every device arrives once, in order.
 */
import { describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';

setStderrLogging(false);
const dec = new TextDecoder();

describe('registry client paging', () => {
  it('fetches pages concurrently and fills a shortened page from its cursor', async () => {
    const N = 1000;
    const mesh = createLocalMesh();
    const fake = mesh.connect();
    const records = Array.from({ length: N }, (_, i) => ({
      device_id: `dev-${String(i).padStart(4, '0')}`,
      capabilities: { functions: [] },
      identity: { device_type: 'sensor' },
      status: { location: 'lab' },
    }));
    let inFlight = 0;
    let maxInFlight = 0;
    const offsets: number[] = [];
    fake.subscribe('device-connect.default.discovery', (m) => {
      const req = JSON.parse(dec.decode(m.data)) as { id: string; params: { offset: number; limit: number } };
      const { offset, limit } = req.params;
      offsets.push(offset);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // The page at 300 is shortened (as a registry does when records are large): 50 devices, cursor at 350.
      const lim = offset === 300 ? 50 : limit;
      const next = offset + lim < N ? offset + lim : null;
      setTimeout(() => {
        inFlight--;
        fake.publish(
          m.reply!,
          JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { devices: records.slice(offset, offset + lim), next_offset: next, total_matched: N } }),
        );
      }, 15);
    });
    const client = createMeshClient({ connection: mesh.connect({ discoveryMode: 'infra' }) });
    try {
      const devices = await client.listDevices();
      expect(devices.map((d) => d.device_id)).toEqual(records.map((r) => r.device_id));
      expect(maxInFlight).toBeGreaterThan(1);
      expect(offsets).toContain(350);
    } finally {
      await client.close();
    }
  });
});
