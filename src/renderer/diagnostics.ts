/**
 * Diagnostics export (button in the layout bar, Ctrl+Shift+D): one JSON file with the host's part (versions,
 * settings with credentials redacted, recent logs, connection history) and the page's own (last state of every
 * robot, recent events, the page's link and layout), scrubbed once more before it is saved.
 */
import { redactDeep } from '../shared/redact';
import { getClient, notify, runAction, useConsoleStore } from './store';
import { LAYOUT_KEY } from './layout/presets';

export const DIAGNOSTICS_SHORTCUT = 'Ctrl+Shift+D';

export async function buildDiagnostics(): Promise<Record<string, unknown>> {
  const host = await getClient().exportDiagnostics({ logLimit: 1000 });
  const s = useConsoleStore.getState();
  return redactDeep({
    kind: 'reachy-console-diagnostics',
    ...host,
    page: {
      userAgent: navigator.userAgent,
      link: s.link,
      linkReason: s.linkReason ?? null,
      selectedDeviceId: s.selectedDeviceId,
      layout: (() => {
        try {
          return JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? 'null') as unknown;
        } catch {
          return null;
        }
      })(),
      devices: s.devices,
    },
    lastState: s.robots,
    recentEvents: s.events.slice(-300),
    stateEventCount: s.stateEventCount,
  }) as Record<string, unknown>;
}

/** Builds the file and hands it to the browser as a download. */
export async function exportDiagnostics(): Promise<void> {
  const d = await runAction('Diagnostics export', buildDiagnostics);
  if (!d) return;
  const name = `reachy-console-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const url = URL.createObjectURL(new Blob([JSON.stringify(d, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  notify('info', `Diagnostics saved as ${name} (credentials redacted)`);
}
