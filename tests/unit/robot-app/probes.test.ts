/** doctor's small probes on their failure paths: they answer ✗ with a hint, within their timeout, never throw. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { probeBrokerTcp, probeMdns, probePort } from '../../../src/main/robot-app/probes';

describe('probes', () => {
  it('name resolution: localhost resolves, an address needs no lookup, an unknown name is ✗ with a hint', async () => {
    expect(await probeMdns('localhost', 2000)).toMatchObject({ ok: true });
    expect(await probeMdns('192.168.1.20', 2000)).toMatchObject({ ok: true, detail: '192.168.1.20 is an address: no lookup needed' });
    const bad = await probeMdns('no-such-robot.invalid', 2000);
    expect(bad.ok).toBe(false);
    expect(bad.hint).toMatch(/IP address/);
  });

  it('broker: a server that is not NATS is ✗ "not a NATS server"', async () => {
    const srv = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const c = await probeBrokerTcp(`nats://user:pw@127.0.0.1:${port}`, 2000);
      expect(c).toMatchObject({ ok: false, detail: `nats://***@127.0.0.1:${port}: not a NATS server` });
    } finally {
      srv.close();
    }
  });

  it('port: held by another program is ✗ with a way to find it', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '0.0.0.0', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const c = await probePort(port, 'settings page port', async () => false);
      expect(c).toMatchObject({ ok: false, detail: `port ${port} in use by another program` });
      expect(c.hint).toMatch(/ss -ltnp/);
    } finally {
      srv.close();
    }
  });
});
