/**
 * The runtime's hot-path shortcuts change nothing a caller sees: a call without params skips zod only when the
 * schema turns `{}` into `{}` (defaults, required fields and strictness still apply), and a result registered with
 * withJsonText is sent as that text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLocalMesh, createMeshClient, defineFunction, DeviceRuntime, withJsonText, type MeshClient } from '../../../src/main/mesh';

describe('invoke fast paths', () => {
  let rt: DeviceRuntime | undefined;
  let client: MeshClient | undefined;
  afterEach(async () => {
    await client?.close();
    await rt?.stop();
  });

  it('calls without params: defaults, required fields and strictness hold on every call', async () => {
    const mesh = createLocalMesh();
    const seen: unknown[] = [];
    rt = new DeviceRuntime({
      connection: mesh.connect(),
      deviceId: 'fast-1',
      deviceType: 'test',
      description: 'fast paths',
      functions: [
        defineFunction({ name: 'none', description: 'no params', params: z.object({}), handler: (p) => { seen.push(p); return { keys: Object.keys(p).length }; } }),
        defineFunction({ name: 'dflt', description: 'a default', params: z.object({ n: z.number().default(3) }), handler: (p) => ({ n: p.n }) }),
        defineFunction({ name: 'req', description: 'a required field', params: z.object({ n: z.number() }), handler: (p) => ({ n: p.n }) }),
        defineFunction({
          name: 'text',
          description: 'pre-serialised result',
          params: z.object({}),
          // The text is what goes on the wire (here it differs from the value only to show which one is sent).
          handler: () => withJsonText({ a: 1 }, '{"a":1,"b":[true,null]}'),
        }),
      ],
    });
    await rt.start();
    client = createMeshClient({ connection: mesh.connect() });
    for (let i = 0; i < 3; i++) {
      expect(await client.invoke('fast-1', 'none')).toEqual({ keys: 0 });
      expect(await client.invoke('fast-1', 'dflt')).toEqual({ n: 3 });
      await expect(client.invoke('fast-1', 'req')).rejects.toThrow(/Error invoking req/);
      await expect(client.invoke('fast-1', 'none', { extra: 1 })).rejects.toThrow(/extra/);
      expect(await client.invoke('fast-1', 'text')).toEqual({ a: 1, b: [true, null] });
    }
    expect(await client.invoke('fast-1', 'dflt', { n: 5 })).toEqual({ n: 5 });
    // Each call gets its own params object.
    expect(new Set(seen).size).toBe(seen.length);
  });
});
