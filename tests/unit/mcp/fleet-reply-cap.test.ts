/**
 * Large fleets: every describe_fleet / list_devices reply stays under the 900,000-byte reply cap. Pages that would
 * not fit are shortened (with the cursor to continue), a grouped listing too large for one reply is paged, and an
 * aggregate with too many locations keeps the busiest ones; following the cursors still reaches every device once.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import { BridgeTools } from '../../../src/main/mcp/tools';
import type { MeshClient } from '../../../src/main/mesh/types';
import type { DeviceInfo } from '../../../src/shared/wire';

setStderrLogging(false);
const CAP = 900_000;
const bytes = (t: string): number => Buffer.byteLength(t, 'utf8');

/** A robot-sized record: 40 functions with long names, as a fleet of Reachy-class devices would list. */
function device(i: number, location: string): DeviceInfo {
  const functions = Array.from({ length: 40 }, (_, k) => ({
    name: `function_with_a_rather_long_name_${k}`,
    description: 'd',
    parameters: { type: 'object' as const, properties: {}, required: [] },
    labels: null,
    tags: [],
  }));
  return {
    device_id: `robot-${String(i).padStart(5, '0')}`,
    device_type: 'reachy_mini',
    location,
    status: { availability: 'available' },
    identity: { device_type: 'reachy_mini' },
    description: '',
    functions,
    events: [],
    labels: {},
    online: true,
    last_seen: 0,
    source: 'infra',
  };
}

function toolsOver(devices: DeviceInfo[]): BridgeTools {
  const mesh = { discoveryMode: 'infra', tenant: 'default', listDevices: async () => devices } as unknown as MeshClient;
  return new BridgeTools({ mesh: () => mesh, logger: createLogger('test'), requestTimeoutMs: 5000 });
}

describe('fleet replies at 5,000 devices stay under the reply cap', () => {
  const N = 5000;
  const devices = Array.from({ length: N }, (_, i) => device(i, `building-${i % 8}`));
  const tools = toolsOver(devices);

  it('list_devices with the largest limit shortens the page and the cursor reaches every device once', async () => {
    const seen = new Set<string>();
    let offset = 0;
    let pages = 0;
    for (;;) {
      const text = (await tools.listDevices({ offset, limit: 1000 })).text;
      expect(bytes(text)).toBeLessThan(CAP);
      const page = JSON.parse(text) as { devices: Array<{ device_id: string }>; total: number; limit: number; has_more: boolean; hint?: string };
      expect(page.total).toBe(N);
      if (offset === 0) {
        // 1,000 robot records would be ~1.6 MB: the first page is shortened and says where to continue.
        expect(page.limit).toBeLessThan(1000);
        expect(page.hint).toMatch(new RegExp(`reply size cap; continue with offset=${page.limit}`));
      }
      for (const d of page.devices) {
        expect(seen.has(d.device_id)).toBe(false);
        seen.add(d.device_id);
      }
      pages++;
      if (!page.has_more) break;
      offset += page.devices.length;
    }
    expect(seen.size).toBe(N);
    expect(pages).toBeGreaterThan(5);
  });

  it('list_devices group_by pages a fleet too large for one grouped reply', async () => {
    const seen = new Set<string>();
    let offset = 0;
    for (;;) {
      const text = (await tools.listDevices({ group_by: 'location', offset, limit: 1000 })).text;
      expect(bytes(text)).toBeLessThan(CAP);
      const page = JSON.parse(text) as { groups: Record<string, Array<{ device_id: string; location: string }>>; total: number; has_more: boolean; limit: number };
      expect(page.total).toBe(N);
      let inPage = 0;
      for (const [loc, list] of Object.entries(page.groups)) {
        for (const d of list) {
          expect(d.location).toBe(loc);
          seen.add(d.device_id);
          inPage++;
        }
      }
      expect(inPage).toBeLessThanOrEqual(page.limit);
      if (!page.has_more) break;
      offset += inPage;
    }
    expect(seen.size).toBe(N);
  });

  it('a small grouped listing keeps the reference shape', async () => {
    const small = toolsOver(devices.slice(0, 30));
    const out = JSON.parse((await small.listDevices({ group_by: 'location' })).text);
    expect(Object.keys(out)).toEqual(['groups', 'total']);
    expect(out.total).toBe(30);
  });

  it('describe_fleet with a distinct long location per device keeps the busiest locations and the true totals', async () => {
    const scattered = Array.from({ length: N }, (_, i) =>
      device(i, `site-${i < 100 ? 'main-hall' : `${'far-away-warehouse-aisle-'.repeat(6)}${i}`}`),
    );
    const text = (await toolsOver(scattered).describeFleet()).text;
    expect(bytes(text)).toBeLessThan(CAP);
    const out = JSON.parse(text) as { total_devices: number; by_location: Record<string, { count: number }>; more_locations: number; hint: string };
    expect(out.total_devices).toBe(N);
    expect(out.by_location['site-main-hall'].count).toBe(100);
    expect(Object.keys(out.by_location).length + out.more_locations).toBe(N - 99);
    expect(out.hint).toMatch(/list_devices with location=/);
  });
});
