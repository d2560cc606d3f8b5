import { afterEach, describe, expect, it } from 'vitest';
import { createLocalMesh, createMeshClient, MeshError, type MeshClient } from '../../../src/main/mesh';
import type { MeshEvent } from '../../../src/shared/wire';
import { createDemoDevice } from './demo-device';
import type { DeviceRuntime } from '../../../src/main/mesh';

describe('local mesh: a runtime and a client in one process', () => {
  let rt: DeviceRuntime | undefined;
  let client: MeshClient | undefined;
  afterEach(async () => {
    await client?.close();
    await rt?.stop();
  });

  it('invokes a device function, gets results and device errors, and receives events', async () => {
    const mesh = createLocalMesh();
    rt = createDemoDevice(mesh.connect());
    await rt.start();
    client = createMeshClient({ connection: mesh.connect() });

    expect(await client.invoke('sensor-001', 'get_reading', { unit: 'F' })).toEqual({ temperature: 72.5, unit: 'F', humidity: 45 });
    expect(await client.invoke('sensor-001', 'get_reading')).toEqual({ temperature: 22.5, unit: 'C', humidity: 45 });

    const events: MeshEvent[] = [];
    client.subscribe('sensor-001', 'alert', (e) => events.push(e));
    const r = await client.invoke('sensor-001', 'set_threshold', { value: 7 }, { sourceDevice: 'console' });
    expect(r).toEqual({ value: 7, source: 'console' });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0].event_name).toBe('alert');
    expect(events[0].params).toMatchObject({ level: 'info', message: 'threshold set to 7' });
    expect(events[0].params.event_id).toMatch(/^[0-9a-f]{8}$/);

    const err = await client.invoke('sensor-001', 'set_threshold', { value: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe('device_error');
    expect((err as MeshError).message).toBe('Error invoking set_threshold: threshold must be >= 0');
    expect((err as MeshError).details.rpcCode).toBe(-32000);

    const unknown = await client.invoke('sensor-001', 'no_such_fn').catch((e: unknown) => e as MeshError);
    expect(unknown).toMatchObject({ code: 'unknown_method', message: 'Unknown method: no_such_fn' });
  });

  it('discovers the device by presence and fails fast for a missing device', async () => {
    const mesh = createLocalMesh();
    rt = createDemoDevice(mesh.connect());
    await rt.start();
    client = createMeshClient({ connection: mesh.connect() });
    const devices = await client.listDevices();
    expect(devices.map((d) => d.device_id)).toEqual(['sensor-001']);
    expect(devices[0]).toMatchObject({ device_type: 'sensor', location: 'lab-1', source: 'local' });
    expect(devices[0].functions.map((f) => f.name)).toContain('get_reading');

    const err = (await client.invoke('ghost-9', 'x').catch((e: unknown) => e)) as MeshError;
    expect(err).toMatchObject({ code: 'no_responders', message: 'nats: no responders available for request' });
    expect(err.details.subject).toBe('device-connect.default.ghost-9.cmd');

    await rt.stop();
    rt = undefined;
    await expect.poll(async () => (await client!.listDevices()).length).toBe(0);
  });
});
