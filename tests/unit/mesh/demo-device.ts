/** A demo device mirroring the reference's sensor-001 (docs/PROTOCOL.md), used by mesh tests and benches. */
import { z } from 'zod';
import { defineEvent, defineFunction, DeviceRuntime, type DeviceRuntimeConfig, type MeshConnection } from '../../../src/main/mesh';

export function demoFunctions(getRuntime: () => DeviceRuntime | undefined) {
  return [
    defineFunction({
      name: 'get_reading',
      description: 'Return the current sensor reading.',
      params: z.object({ unit: z.string().describe('Temperature unit, C or F').default('C') }),
      handler: ({ unit }) => ({ temperature: unit === 'F' ? 72.5 : 22.5, unit, humidity: 45 }),
    }),
    defineFunction({
      name: 'set_threshold',
      description: 'Set the alert threshold.',
      labels: { direction: 'write' },
      params: z.object({ value: z.number(), note: z.string().nullable().default(null) }),
      handler: async ({ value }, ctx) => {
        if (value < 0) throw new Error('threshold must be >= 0');
        getRuntime()?.emit('alert', { level: 'info', message: `threshold set to ${value}` });
        return { value, source: ctx.sourceDevice ?? null };
      },
    }),
    defineFunction({
      name: 'get_status',
      description: 'Return a status snapshot.',
      params: z.object({}),
      handler: () => ({ ok: true, mode: 'idle', pose: { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 } }),
    }),
    defineFunction({
      name: 'echo_blob',
      description: 'Return a string of the given size (payload cap tests).',
      params: z.object({ bytes: z.number().int().min(0).max(4_000_000) }),
      handler: ({ bytes }) => ({ blob: 'x'.repeat(bytes) }),
    }),
  ];
}

export const alertEvent = defineEvent({
  name: 'alert',
  description: 'Emit an alert event.',
  payload: z.object({
    level: z.string().describe('Severity level'),
    message: z.string().describe('Human readable text'),
  }),
});

/** `goldenOnly`: exactly the reference sensor-001's two functions (for golden comparisons). */
export function createDemoDevice(
  connection: MeshConnection,
  overrides: Partial<DeviceRuntimeConfig> = {},
  goldenOnly = false,
): DeviceRuntime {
  const holder: { rt?: DeviceRuntime } = {};
  holder.rt = new DeviceRuntime({
    connection,
    deviceId: 'sensor-001',
    deviceType: 'sensor',
    description: 'Demo temperature sensor.',
    identity: { manufacturer: 'Acme', model: 'TH-100', description: 'Demo sensor' },
    labels: { category: 'sensor', location: 'lab-1' },
    location: 'lab-1',
    status: () => ({ location: 'lab-1', availability: 'available', busy_score: 0.0, online: true }),
    functions: demoFunctions(() => holder.rt).slice(0, goldenOnly ? 2 : undefined),
    events: [alertEvent],
    registerJitterMs: 0,
    ...overrides,
  });
  return holder.rt;
}
