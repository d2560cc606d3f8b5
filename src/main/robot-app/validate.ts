/**
 * `POST /api/validate`: really tries the settings. The credentials parse, the broker accepts them (a connect with a
 * timeout), the daemon answers at reachy_target, and the transport mode can be used with it.
 */
import { errorMessage } from '../../shared/errors';
import { parseTargetString, SIM_TARGET } from '../reachy';
import type { DaemonTarget, TransportMode } from '../reachy';
import { applyPortal, resolveRunConfig, summarizeCredentials, withDefaultPort, type CredentialsSummary } from './resolve';
import { SettingsError, type EffectiveSettings, type FieldError } from './settings';
import { credentialsCheck, probeBrokerAuth, probeBrokerTcp, probeDaemon, probeTransport, type Check } from './probes';

export interface ValidationResult {
  ok: boolean;
  checks: Check[];
  errors: FieldError[];
  credentials: CredentialsSummary;
}

export function credentialsPathFor(eff: EffectiveSettings): string | undefined {
  const f = eff.fields;
  try {
    return applyPortal({ portal: f.use_portal, credentialsFile: f.nats_credentials_file, glob: f.portal_credentials_glob, dir: f.portal_credentials_dir, urls: [] }).credentialsFile;
  } catch {
    return f.nats_credentials_file.trim() || undefined;
  }
}

export function targetFor(eff: EffectiveSettings): DaemonTarget | null {
  const f = eff.fields;
  if (f.simulate || f.reachy_target.trim().toLowerCase() === 'sim') return SIM_TARGET;
  try {
    return parseTargetString(withDefaultPort(f.reachy_target.trim() || '127.0.0.1', eff.daemonPort), 'reachy_target');
  } catch {
    return null;
  }
}

export async function validateSettings(eff: EffectiveSettings, timeoutMs = 4000): Promise<ValidationResult> {
  const checks: Check[] = [];
  let errors: FieldError[] = [];
  let run;
  try {
    run = resolveRunConfig(eff);
    checks.push({ id: 'settings', label: 'settings', ok: true, detail: `device ${run.deviceId}, tenant ${run.mesh.tenant}, ${run.portal ? 'portal mode' : 'own broker'}` });
  } catch (e) {
    errors = e instanceof SettingsError ? e.errors : [{ field: '(settings)', message: errorMessage(e) }];
    checks.push({ id: 'settings', label: 'settings', ok: false, detail: errors.map((x) => x.message).join('; '), hint: `fix: ${[...new Set(errors.map((x) => x.field))].join(', ')}` });
  }

  const credPath = credentialsPathFor(eff);
  const credentials = summarizeCredentials(credPath);
  checks.push(credentialsCheck(credentials, !eff.fields.allow_insecure));

  const brokerCheck = run
    ? probeBrokerAuth(run.mesh, timeoutMs)
    : (() => {
        const url = eff.fields.messaging_urls.split(',').map((s) => s.trim()).find(Boolean) ?? credentials.urls?.[0];
        return url
          ? probeBrokerTcp(url, timeoutMs)
          : Promise.resolve<Check>({ id: 'broker', label: 'broker', ok: false, detail: 'no broker configured', hint: 'set messaging_urls or turn portal mode on' });
      })();

  const target = targetFor(eff);
  const daemonCheck = (async (): Promise<Check[]> => {
    if (!target) return [{ id: 'daemon', label: 'daemon reachable', ok: false, detail: 'reachy_target is not valid', hint: 'host:port, e.g. 127.0.0.1:8000' }];
    if (target.kind === 'sim') {
      return [
        { id: 'daemon', label: 'daemon reachable', ok: true, detail: 'simulate: the simulator starts in-process with the driver' },
        await probeTransport(target, eff.fields.transport_mode as TransportMode, true, timeoutMs),
      ];
    }
    const d = await probeDaemon(target, timeoutMs);
    return [d.check, await probeTransport(target, eff.fields.transport_mode as TransportMode, d.check.ok === true, timeoutMs)];
  })();

  const [b, ds] = await Promise.all([brokerCheck, daemonCheck]);
  checks.push(b, ...ds);
  return { ok: checks.every((c) => c.ok !== false), checks, errors, credentials };
}
