import { describe, expect, it } from 'vitest';
import { dispatchFrame, dispatchText } from '../../../src/main/console/dispatch';

describe('ConsoleApi request validation', () => {
  const calls: Array<[string, unknown]> = [];
  const route = async (m: string, i: unknown) => {
    calls.push([m, i]);
    return { ok: true };
  };

  it('answers malformed frames with an error naming the problem, and never routes them', async () => {
    calls.length = 0;
    expect(await dispatchText('{nope', route)).toMatchObject({ id: null, ok: false, error: { code: 'bad_request' } });
    expect(await dispatchFrame({ method: 'getSnapshot' }, route)).toMatchObject({ id: null, ok: false, error: { code: 'bad_request' } });
    expect(await dispatchFrame({ id: 3, method: 'nuke' }, route)).toMatchObject({ id: 3, ok: false, error: { code: 'not_found' } });
    const bad = await dispatchFrame({ id: 4, method: 'connectMesh', params: { kind: 'nats', urls: ['http://x'] } }, route);
    expect(bad).toMatchObject({ id: 4, ok: false, error: { code: 'bad_request', field: 'urls.0' } });
    const range = await dispatchFrame({ id: 5, method: 'takeLease', params: { deviceId: 'reachy-mini-1', ttlS: 9999 } }, route);
    expect(range).toMatchObject({ ok: false, error: { field: 'ttlS' } });
    expect((range as { error: { message: string } }).error.message).toMatch(/ttlS/);
    expect(await dispatchFrame({ id: 6, method: 'invoke', params: { deviceId: '../etc', fn: 'x' } }, route)).toMatchObject({ ok: false, error: { field: 'deviceId' } });
    expect(calls).toHaveLength(0);
  });

  it('applies schema defaults and routes valid requests', async () => {
    calls.length = 0;
    expect(await dispatchFrame({ id: 1, method: 'estop' }, route)).toEqual({ id: 1, ok: true, result: { ok: true } });
    expect(calls).toEqual([['estop', { reason: 'operator E-STOP' }]]);
  });

  it('turns handler failures into error replies', async () => {
    const reply = await dispatchFrame({ id: 2, method: 'getSnapshot' }, async () => {
      throw new Error('boom');
    });
    expect(reply).toEqual({ id: 2, ok: false, error: { code: 'internal', message: 'boom' } });
  });
});
