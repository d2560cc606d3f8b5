import { describe, expect, it } from 'vitest';
import { runDriver } from '../../../src/main/app/commands/driver';

describe('reachy-console driver --messaging-url', () => {
  it('takes every repeated --messaging-url (all cluster nodes), not just the last one', async () => {
    // The first URL is checked too: a bad one is refused even when a good one follows it.
    await expect(runDriver(['--messaging-url', 'zenoh://x:7447', '--messaging-url', 'nats://127.0.0.1:1'], {})).rejects.toThrow(
      /only nats:\/\/ and tls:\/\//,
    );
  });
});
