/**
 * The host's part of a diagnostics export (the page adds the robot state and events it holds): versions, settings
 * with credentials redacted, recent logs (scrubbed again: a log line may quote a URL) and the history of the
 * console's connections.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionChange, ConsoleSnapshot, HostDiagnostics, LogLine, Settings } from '../../shared/console-api';
import { redactDeep, redactText } from '../../shared/redact';

const HISTORY_MAX = 200;

/** Remembers every change of mesh / simulator / driver state (not every snapshot: those also carry busy flags). */
export class ConnectionHistory {
  private readonly items: ConnectionChange[] = [];
  private lastKey = '';

  record(s: ConsoleSnapshot, now = Date.now()): void {
    const c: ConnectionChange = {
      ts: now,
      mesh: `${s.mesh.kind} ${s.mesh.status}${s.mesh.error ? `: ${s.mesh.error}` : ''}`,
      sim: s.sim.running ? `running${s.sim.mode ? ` (${s.sim.mode})` : ''}` : `off${s.sim.error ? `: ${s.sim.error}` : ''}`,
      driver: s.driver.running ? `${s.driver.deviceId ?? '?'} → ${s.driver.target ?? '?'}: ${s.driver.link ?? 'running'}` : `off${s.driver.error ? `: ${s.driver.error}` : ''}`,
    };
    const key = `${c.mesh}|${c.sim}|${c.driver}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.items.push(c);
    if (this.items.length > HISTORY_MAX) this.items.splice(0, this.items.length - HISTORY_MAX);
  }

  list(): ConnectionChange[] {
    return this.items.map((c) => ({ ...c }));
  }
}

function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function hostDiagnostics(i: { settings: Settings; snapshot: ConsoleSnapshot; logs: LogLine[]; history: ConnectionChange[] }): HostDiagnostics {
  const settings = structuredClone(i.settings) as Settings;
  // The credentials file's path is the user's business; that one is configured is what a bug report needs.
  if (settings.mesh.kind === 'nats' && settings.mesh.credentialsFile) settings.mesh.credentialsFile = '[set, path redacted]';
  const versions: Record<string, string> = { app: appVersion(), node: process.versions.node, platform: `${process.platform} ${process.arch}` };
  for (const k of ['electron', 'chrome', 'v8'] as const) if (process.versions[k]) versions[k] = String(process.versions[k]);
  return {
    generatedAt: new Date().toISOString(),
    versions,
    settings: redactDeep(settings),
    snapshot: redactDeep(i.snapshot) as ConsoleSnapshot,
    logs: i.logs.map((l) => ({ ...l, message: redactText(l.message) })),
    connectionHistory: i.history.map((c) => redactDeep(c) as ConnectionChange),
  };
}
