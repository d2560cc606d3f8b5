/**
 * transportMode `auto` against a daemon without `/ws/sdk` (releases before 1.5 answer the upgrade with 404):
 * the client falls back to the http transport and keeps working. The old daemon is the simulator behind a small
 * proxy that forwards REST and refuses WebSocket upgrades.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemonClient, makeTarget } from '../../../src/main/reachy';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { waitFor } from '../sim/util';

setStderrLogging(false);

describe('auto transport', () => {
  let sim: Simulator;
  let proxy: ReturnType<typeof createServer>;
  let port: number;
  beforeAll(async () => {
    sim = await startSimulator({ mode: 'mockup' });
    await sim.ready();
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        fetch(sim.url + req.url, { method: req.method, headers: { 'content-type': 'application/json' }, body: chunks.length ? Buffer.concat(chunks) : undefined })
          .then(async (r) => {
            res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
            res.end(Buffer.from(await r.arrayBuffer()));
          })
          .catch(() => {
            res.writeHead(502);
            res.end();
          });
      });
    });
    proxy.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    port = (proxy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await sim.stop();
  });

  it('falls back to http when /ws/sdk is missing, then streams state and moves the robot', async () => {
    const client = createDaemonClient({ target: makeTarget('host', '127.0.0.1', port), transportMode: 'auto' });
    try {
      await client.start();
      await waitFor(() => client.connection().status === 'connected', 5000);
      expect(client.connection().transport).toBe('http');
      const h = await client.goto({ antennas: [0.3, 0.3], durationS: 0.2 });
      expect((await h.done).status).toBe('completed');
      await waitFor(() => client.latestState()?.antennas[0] === 0.3);
    } finally {
      await client.close();
    }
  });
});
