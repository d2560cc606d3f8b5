import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startNatsServer } from '../../helpers/nats-server';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('tests/helpers/nats-server', () => {
  it('starts on a free loopback port, restarts on the same port, and stops', async () => {
    const nats = await startNatsServer();
    try {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(await reachable(nats.port)).toBe(true);
      await nats.restart();
      expect(await reachable(nats.port)).toBe(true);
    } finally {
      await nats.stop();
    }
    expect(await reachable(nats.port)).toBe(false);
  });
});
