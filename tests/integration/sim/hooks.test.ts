/** The media hook: extra routes and WebSocket endpoints on the simulator's server, and state reads per tick. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpError, ManualClock, jsonBody, parseWith, startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { get, post, wsProbe } from './util';

describe('simulator media hook', () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, mode: 'mockup' });
    clock.advance(20);
    await sim.ready();
  });
  afterAll(() => sim.stop());

  it('serves added routes with the daemon error conventions', async () => {
    sim.http.addRoute('GET', '/api/camera/frame', () => ({ body: Buffer.from([1, 2, 3]), contentType: 'image/jpeg' }));
    sim.http.addRoute('POST', '/api/test/echo/{name}', (req) => {
      const v = parseWith(z.object({ n: z.number().max(10) }), jsonBody(req), ['body']);
      if (v.n < 0) throw new HttpError(409, 'negative');
      return { json: { name: req.params.name, n: v.n } };
    });
    const frame = await fetch(`${sim.url}/api/camera/frame`);
    expect(frame.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await frame.arrayBuffer())]).toEqual([1, 2, 3]);
    expect((await post(sim.url, '/api/test/echo/cam', { n: 3 })).json).toEqual({ name: 'cam', n: 3 });
    expect((await post(sim.url, '/api/test/echo/cam', { n: 11 })).json).toMatchObject({ detail: [{ type: 'less_than_equal', loc: ['body', 'n'] }] });
    expect(await post(sim.url, '/api/test/echo/cam', { n: -1 })).toMatchObject({ status: 409, json: { detail: 'negative' } });
    expect((await get(sim.url, '/api/daemon/status')).status).toBe(200);
  });

  it('hands WebSocket upgrades on added paths to the handler, and exposes state and ticks', async () => {
    const off = sim.onUpgrade('/media/ws', (ws) => ws.send(JSON.stringify({ hello: sim.state().antennas })));
    const ws = wsProbe(sim.url.replace('http', 'ws') + '/media/ws');
    expect(await ws.next(() => true)).toEqual({ hello: [-3.05, 3.05] });
    ws.close();
    off();
    const gone = wsProbe(sim.url.replace('http', 'ws') + '/media/ws');
    await expect(gone.opened).rejects.toThrow();
    let ticks = 0;
    const offTick = sim.onTick(() => ticks++);
    const t0 = sim.state().time;
    await clock.advanceAsync(100);
    offTick();
    expect(ticks).toBe(5);
    expect(sim.state().time - t0).toBe(100);
    expect(sim.state().headPose).toHaveLength(16);
  });
});
