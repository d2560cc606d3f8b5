/**
 * `reachy-console doctor`: what to look at when the robot does not show up. One line per check with ✓/✗ and a fix
 * hint, from the same settings (file + env + flags) as `app`. `--json` for scripts. Exit code 1 when any check fails.
 */
import { errorMessage } from '../../../shared/errors';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { DEFAULT_APP_PORT, parseAppArgs } from './app';
import { resolveRunConfig } from '../../robot-app';
import { summarizeCredentials } from '../../robot-app';
import { effectiveSettings, readSettingsFile, SettingsError, type EffectiveSettings, type Env } from '../../robot-app';
import {
  credentialsCheck,
  probeBrokerAuth,
  probeBrokerTcp,
  probeDaemon,
  probeMdns,
  probeMedia,
  probeMotors,
  probePort,
  probeWebrtc,
  probeWsSdk,
  type Check,
} from '../../robot-app';
import { credentialsPathFor, targetFor } from '../../robot-app';

const HELP = `Usage: reachy-console doctor [options]

Checks, one line each with ✓/✗ and a fix hint: the daemon (reachable, version), /ws/sdk, motor mode, media, WebRTC
signalling (:8443), name resolution (mDNS) of the robot host, the broker (reachable, accepts the credentials),
the credentials (valid, expiry), the tenant, clock skew, and the settings page port.

Reads the same settings as \`reachy-console app\` (file, environment) and accepts the same options, plus:
  --json                    machine-readable output
  --timeout <s>             per-check network timeout (default 3)
Exit code: 0 when nothing failed, 1 otherwise.
`;

export interface DoctorOptions {
  eff: EffectiveSettings;
  appPort: number;
  timeoutMs?: number;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

export async function runChecks(o: DoctorOptions): Promise<DoctorReport> {
  const t = o.timeoutMs ?? 3000;
  const eff = o.eff;
  const checks: Check[] = [];
  const target = targetFor(eff);

  // Robot side.
  let skewMs: number | undefined;
  if (!target) {
    checks.push({ id: 'daemon', label: 'daemon reachable', ok: false, detail: 'reachy_target is not valid', hint: 'set reachy_target to host:port, e.g. 127.0.0.1:8000' });
  } else if (target.kind === 'sim') {
    checks.push({ id: 'daemon', label: 'daemon reachable', ok: null, detail: 'simulate is on: the app starts its own simulator, no daemon to check' });
  } else {
    const d = await probeDaemon(target, t);
    checks.push(d.check);
    skewMs = d.skewMs;
    if (d.status) {
      const [ws, motors, media, webrtc] = await Promise.all([probeWsSdk(target, t), probeMotors(target, t), probeMedia(target, t), probeWebrtc(target, t)]);
      checks.push(ws, motors, media, webrtc);
    } else {
      for (const [id, label] of [['ws_sdk', 'realtime link /ws/sdk'], ['motors', 'motor mode'], ['media', 'media (camera, microphone)'], ['webrtc', 'WebRTC signalling (8443)']]) {
        checks.push({ id, label, ok: false, detail: 'not checked: the daemon does not answer', hint: 'fix the daemon first' });
      }
    }
    checks.push(await probeMdns(target.host, t));
  }

  // Mesh side.
  const credPath = credentialsPathFor(eff);
  const creds = summarizeCredentials(credPath);
  let run;
  let runError: string | undefined;
  try {
    run = resolveRunConfig(eff);
  } catch (e) {
    runError = e instanceof SettingsError ? e.errors.map((x) => x.message).join('; ') : errorMessage(e);
  }
  const url = run?.mesh.urls[0] ?? eff.fields.messaging_urls.split(',').map((s) => s.trim()).find(Boolean) ?? creds.urls?.[0];
  if (url) {
    const tcp = await probeBrokerTcp(url, t);
    checks.push(tcp);
    if (run && tcp.ok) checks.push(await probeBrokerAuth(run.mesh, t + 2000));
    else checks.push({ id: 'broker_auth', label: 'broker accepts the credentials', ok: false, detail: run ? 'not checked: the broker is not reachable' : `not checked: ${runError}`, hint: run ? 'fix the broker first' : 'fix the settings' });
  } else {
    checks.push({ id: 'broker', label: 'broker reachable', ok: false, detail: 'no broker configured', hint: 'set messaging_urls (nats://host:4222) or turn portal mode on with credentials' });
  }
  checks.push(credentialsCheck(creds, !eff.fields.allow_insecure));
  if (run) {
    const mismatch = creds.tenant && creds.tenant !== run.mesh.tenant;
    checks.push({
      id: 'tenant',
      label: 'tenant',
      ok: !mismatch,
      detail: mismatch ? `settings say ${run.mesh.tenant}, the credentials are for ${creds.tenant}` : `${run.mesh.tenant}${creds.tenant ? ' (from the credentials)' : ''}`,
      hint: mismatch ? 'clear the tenant field so the credentials decide, or use credentials for that tenant' : undefined,
    });
  } else {
    checks.push({ id: 'tenant', label: 'tenant', ok: false, detail: `unknown: ${runError}`, hint: 'fix the settings' });
  }
  // NATS has no time request in its client protocol, so the broker's clock cannot be read from here.
  checks.push({ id: 'clock_broker', label: 'clock skew vs broker', ok: null, detail: 'unsupported: the NATS protocol does not expose the server clock' });
  if (skewMs !== undefined) {
    const s = Math.abs(skewMs) / 1000;
    checks.push({
      id: 'clock_daemon',
      label: 'clock skew vs daemon',
      ok: s < 5,
      detail: `${(skewMs / 1000).toFixed(1)} s (HTTP Date, 1 s resolution)`,
      hint: s < 5 ? undefined : 'enable NTP (timedatectl set-ntp true): credentials and logs depend on the clock',
    });
  }
  checks.push(
    await probePort(o.appPort, `settings page port ${o.appPort}`, async () => {
      const r = await fetch(`http://127.0.0.1:${o.appPort}/api/health`, { signal: AbortSignal.timeout(t) });
      return ((await r.json()) as { service?: unknown }).service === 'reachy_console_app';
    }),
  );
  return { ok: checks.every((c) => c.ok !== false), checks };
}

export function formatReport(r: DoctorReport): string {
  const lines = r.checks.map((c) => {
    const mark = c.ok === true ? '✓' : c.ok === false ? '✗' : '–';
    return `${mark} ${c.label}: ${c.detail}${c.ok === false && c.hint ? `\n    fix: ${c.hint}` : ''}`;
  });
  const failed = r.checks.filter((c) => c.ok === false).length;
  lines.push(failed ? `${failed} check(s) failed` : 'all checks passed');
  return lines.join('\n') + '\n';
}

export async function runDoctor(argv: string[], baseEnv: Env = process.env): Promise<number> {
  let json = false;
  let timeoutMs = 3000;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--timeout' || a.startsWith('--timeout=')) {
      const v = a.includes('=') ? a.slice(10) : argv[++i];
      const s = Number(v);
      if (!Number.isFinite(s) || s <= 0 || s > 60) throw new UsageError(`--timeout=${v} must be a number of seconds in (0, 60]`);
      timeoutMs = s * 1000;
    } else rest.push(a);
  }
  const a = parseAppArgs(rest, baseEnv);
  const eff = effectiveSettings(readSettingsFile(a.settingsPath), a.env);
  const report = await runChecks({ eff, appPort: a.port || DEFAULT_APP_PORT, timeoutMs });
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.ok ? 0 : 1;
}

export const command: CliCommand = {
  summary: 'checks daemon, media, mDNS, broker, credentials and ports, with fix hints (--json)',
  help: HELP,
  run: (argv) => runDoctor(argv),
};
