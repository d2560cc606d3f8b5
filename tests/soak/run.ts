/**
 * `npm run soak [-- --calls 12000 --nats-calls 12000 --seed 1]`: the mixed-call fuzzer at full size against the real
 * driver and simulator, on the in-process mesh and over a real nats-server. Prints the report and exits non-zero when
 * a call was silently dropped, a reply broke the cap or the protocol, or anything beyond a limit reached the robot.
 */
import { startNatsServer } from '../helpers/nats-server';
import { formatFuzzReport, REPLY_CAP_BYTES, runFuzz, type FuzzReport } from './fuzz';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number >= 0, got ${process.argv[i + 1]}`);
  return v;
}

export function problems(r: FuzzReport): string[] {
  const out: string[] = [];
  if (r.silent_drops) out.push(`${r.silent_drops} well-formed calls with an id got no reply`);
  if (r.silent_drops_malformed) out.push(`${r.silent_drops_malformed} malformed requests got no reply`);
  if (r.answered_notifications) out.push(`${r.answered_notifications} notifications were answered`);
  if (r.invalid_replies) out.push(`${r.invalid_replies} invalid replies`);
  if (r.largest_reply_bytes >= REPLY_CAP_BYTES) out.push(`a reply of ${r.largest_reply_bytes} bytes`);
  if (r.frames.over_head_body_limit) out.push(`${r.frames.over_head_body_limit} frames past the 65° head-body rule`);
  if (r.frames.over_body_yaw_limit) out.push(`${r.frames.over_body_yaw_limit} frames past the body yaw range`);
  if (r.targets.beyond_limits) out.push(`${r.targets.beyond_limits} targets beyond limits`);
  if (!r.driver_alive_after) out.push('the driver stopped serving');
  return out;
}

async function main(): Promise<void> {
  const seed = arg('seed', 20261203);
  const localCalls = arg('calls', 12_000);
  const natsCalls = arg('nats-calls', 12_000);
  const progress = (l: string): void => void process.stderr.write(`  ${l}\n`);
  const reports: FuzzReport[] = [];
  if (localCalls > 0) {
    process.stderr.write(`soak: ${localCalls} calls on the in-process mesh\n`);
    reports.push(await runFuzz({ calls: localCalls, mesh: 'local', seed, progress }));
    process.stdout.write(formatFuzzReport(reports[reports.length - 1]) + '\n');
  }
  if (natsCalls > 0) {
    const nats = await startNatsServer();
    try {
      process.stderr.write(`soak: ${natsCalls} calls over nats-server ${nats.url}\n`);
      reports.push(await runFuzz({ calls: natsCalls, mesh: nats.url, seed: seed + 1, progress }));
      process.stdout.write(formatFuzzReport(reports[reports.length - 1]) + '\n');
    } finally {
      await nats.stop();
    }
  }
  const bad = reports.flatMap((r) => problems(r).map((p) => `${r.mesh}: ${p}`));
  const total = reports.reduce((n, r) => n + r.calls, 0);
  process.stdout.write(bad.length ? `soak FAILED (${total} calls): ${bad.join('; ')}\n` : `soak passed: ${total} calls\n`);
  if (bad.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
