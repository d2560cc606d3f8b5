/** Test devices for the bridge: the reference's sensor-001 (docs/PROTOCOL.md) plus a slow device for timeouts. */
import { z } from 'zod';
import { defineEvent, defineFunction, DeviceRuntime, type MeshConnection } from '../../../src/main/mesh';

export function createSensor(connection: MeshConnection, deviceId = 'sensor-001'): DeviceRuntime {
  const holder: { rt?: DeviceRuntime } = {};
  holder.rt = new DeviceRuntime({
    connection,
    deviceId,
    deviceType: 'sensor',
    description: 'Demo temperature sensor.',
    identity: { manufacturer: 'Acme', model: 'TH-100', description: 'Demo sensor' },
    labels: { category: 'sensor', location: 'lab-1' },
    location: 'lab-1',
    status: () => ({ location: 'lab-1', availability: 'available', busy_score: 0.0, online: true }),
    registerJitterMs: 0,
    functions: [
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
        handler: ({ value }) => {
          if (value < 0) throw new Error('threshold must be >= 0');
          holder.rt?.emit('alert', { level: 'info', message: `threshold set to ${value}` });
          return { value };
        },
      }),
      defineFunction({
        name: 'sleep_ms',
        description: 'Answer after a delay (timeout tests).',
        params: z.object({ ms: z.number().int().min(0).max(60_000) }),
        handler: async ({ ms }) => {
          await new Promise((r) => setTimeout(r, ms));
          return { slept: ms };
        },
      }),
    ],
    events: [
      defineEvent({
        name: 'alert',
        description: 'Emit an alert event.',
        payload: z.object({ level: z.string().describe('Severity level'), message: z.string().describe('Human readable text') }),
      }),
    ],
  });
  return holder.rt;
}

export function createLamp(connection: MeshConnection, deviceId: string, location: string, availability = 'idle'): DeviceRuntime {
  return new DeviceRuntime({
    connection,
    deviceId,
    deviceType: 'smart-lamp',
    description: 'A lamp.',
    location,
    status: () => ({ location, availability }),
    functions: [
      defineFunction({
        name: 'set_power',
        description: 'Turn lamp on/off',
        params: z.object({ on: z.boolean() }),
        handler: ({ on }) => ({ on }),
      }),
    ],
  });
}
