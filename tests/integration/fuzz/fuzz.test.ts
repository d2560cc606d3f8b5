/**
 * The mixed-call fuzzer (tests/soak/fuzz.ts) at reduced size against the real driver and simulator, on the
 * in-process mesh and over a real nats-server. `npm run soak` runs the same at full size (10,000+ calls per mesh).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { formatFuzzReport, REPLY_CAP_BYTES, runFuzz, type FuzzReport } from '../../soak/fuzz';

function expectClean(r: FuzzReport, calls: number): void {
  console.info(formatFuzzReport(r));
  expect(r.calls).toBe(calls);
  // Nothing well-formed with an id goes unanswered, nothing malformed either, and no notification is answered.
  expect(r.examples.silent_drops).toEqual([]);
  expect(r.silent_drops).toBe(0);
  expect(r.silent_drops_malformed).toBe(0);
  expect(r.answered_notifications).toBe(0);
  expect(r.examples.invalid_replies).toEqual([]);
  expect(r.invalid_replies).toBe(0);
  expect(r.largest_reply_bytes).toBeLessThan(REPLY_CAP_BYTES);
  // Nothing beyond a limit reached the robot (frames from the simulator's own state, targets from its log).
  expect(r.targets.examples).toEqual([]);
  expect(r.frames.over_head_body_limit).toBe(0);
  expect(r.frames.over_body_yaw_limit).toBe(0);
  expect(r.frames.checked).toBeGreaterThan(100);
  expect(r.driver_alive_after).toBe(true);
  // The mix really covered the paths: accepted motion, refusals, every protocol error, notifications.
  expect(r.motion_accepted).toBeGreaterThan(calls / 20);
  expect(r.targets.checked).toBeGreaterThan(calls / 50);
  for (const code of ['result', '-32000', '-32600', '-32601', '-32700']) expect(r.replies_by_code[code] ?? 0).toBeGreaterThan(0);
  expect(r.sent.notification_published).toBeGreaterThan(0);
  expect(r.sent.published_with_id).toBeGreaterThan(0);
  expect(r.sent.notification_request).toBeGreaterThan(0);
}

describe('mixed-call fuzz against the driver on the simulator', () => {
  let nats: NatsServerHandle;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('in-process mesh: 1,500 calls, sequential and concurrent, with and without ids', async () => {
    expectClean(await runFuzz({ calls: 1_500, mesh: 'local', seed: 7101, replyTimeoutMs: 10_000 }), 1_500);
  }, 120_000);

  it('nats-server: 600 calls', async () => {
    expectClean(await runFuzz({ calls: 600, mesh: nats.url, seed: 7102, replyTimeoutMs: 10_000 }), 600);
  }, 120_000);
});
