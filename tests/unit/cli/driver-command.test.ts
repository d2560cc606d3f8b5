import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/main/app/command';
import { runDriver } from '../../../src/main/app/commands/driver';

describe('reachy-console driver flags', () => {
  it.each([
    [['--state-hz', '500'], /--state-hz=500 must be a number in \[0, 100\]/],
    [['--state-hz', ''], /--state-hz= must be a number/],
    [['--transport-mode', 'zenoh'], /--transport-mode=zenoh is not allowed \(allowed: auto, websocket, http\)/],
    [['--sim-mode', 'fast'], /--sim-mode=fast is not allowed/],
    [['--device-id', 'bad id'], /--device-id=bad id must match/],
    [['--target', 'bad host!'], /--target=bad host!/],
    [['--discovery-mode', 'mesh', '--messaging-url', 'nats://127.0.0.1:1'], /DEVICE_CONNECT_DISCOVERY_MODE='mesh'/],
    [['--messaging-url', 'zenoh://x:7447'], /only nats:\/\/ and tls:\/\//],
    [[], /no broker configured: set --messaging-url or NATS_URL/],
  ])('%j is refused with a message naming the flag', async (argv, msg) => {
    await expect(runDriver(argv, {})).rejects.toThrow(UsageError);
    await expect(runDriver(argv, {})).rejects.toThrow(msg);
  });

  it('rejects unknown flags', async () => {
    await expect(runDriver(['--bogus'], {})).rejects.toThrow(/bogus/);
  });

  it('env is validated like flags', async () => {
    await expect(runDriver([], { REACHY_STATE_HZ: '-1' })).rejects.toThrow(/--state-hz=-1/);
    await expect(runDriver([], { REACHY_SIM: 'maybe' })).rejects.toThrow(/REACHY_SIM=maybe/);
  });
});
