import { useMemo } from 'react';
import { useLink, useSelectedDeviceId, useSnapshot, useStreamFreshness } from './hooks';
import { formatAge } from './live';
import { useConsoleStore } from './store';
import { EStopButton } from './panels/EStopButton';
import { Cockpit } from './layout/Cockpit';

function StatusBar() {
  const { link, reason } = useLink();
  const snap = useSnapshot();
  const activities = useConsoleStore((s) => s.activities);
  const busy = snap?.busy;
  const driverTripped = useConsoleStore((s) => {
    const id = s.snapshot?.driver.running ? s.snapshot.driver.deviceId : null;
    return !!id && s.robots[id]?.interlock === 'tripped';
  });
  // Mesh, simulator and driver states come from the host: without the host link they are only the last known ones.
  const lastKnown = link !== 'open';
  const chip = (label: string, state: 'good' | 'bad' | 'warn' | 'idle', title?: string, testid?: string, fromHost = true) => {
    const stale = fromHost && lastKnown;
    return (
      <span
        className={`chip chip-${state}${stale ? ' chip-stale' : ''}`}
        title={stale ? `last known — ${reason ?? 'no connection to the console host'}${title ? ` · ${title}` : ''}` : title}
        data-testid={testid}
        data-stale={stale ? 'true' : undefined}
      >
        {label}
      </span>
    );
  };
  const meshState = snap?.mesh.status === 'connected' ? 'good' : snap?.mesh.status === 'error' ? 'bad' : snap?.mesh.status === 'disconnected' ? 'idle' : 'warn';
  return (
    <div className="status">
      {chip(link === 'open' ? 'host: connected' : link === 'connecting' ? 'host: connecting…' : 'host: disconnected', link === 'open' ? 'good' : link === 'connecting' ? 'warn' : 'bad', reason, 'chip-host', false)}
      {snap ? chip(`mesh: ${snap.mesh.kind} ${snap.mesh.status}`, meshState, snap.mesh.error, 'chip-mesh') : null}
      {snap ? chip(snap.sim.running ? 'sim: running' : 'sim: off', snap.sim.running ? 'good' : 'idle', snap.sim.url ?? snap.sim.error, 'chip-sim') : null}
      {snap
        ? driverTripped
          ? chip('driver: TRIPPED', 'bad', 'the safety interlock is latched', 'chip-driver')
          : chip(snap.driver.running ? `driver: ${snap.driver.link ?? 'running'}` : 'driver: off', snap.driver.running ? (snap.driver.link && /lost|error/.test(snap.driver.link) ? 'bad' : snap.driver.link === 'connected' ? 'good' : 'warn') : 'idle', snap.driver.error, 'chip-driver')
        : null}
      <StateChip />
      {busy || activities.length ? (
        <span className="activity" data-testid="activity">
          <span className="spinner" /> {busy?.what ?? activities[activities.length - 1].label}…
        </span>
      ) : null}
    </div>
  );
}

/** The selected robot's state stream at a glance: live with its age, or STALE with the reason. */
function StateChip() {
  const id = useSelectedDeviceId();
  const f = useStreamFreshness(id);
  if (!id) return null;
  return (
    <span className={`chip chip-${!f.stale ? 'good' : f.reason && !/^no (new )?state/.test(f.reason) ? 'bad' : 'warn'}`} title={f.reason ?? undefined} data-testid="chip-state" data-stale={String(f.stale)}>
      {f.stale ? `state: stale ${f.ageMs === null ? '' : formatAge(f.ageMs)}`.trim() : 'state: live'}
    </span>
  );
}

function Toasts() {
  const toasts = useConsoleStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

function LinkBanner() {
  const { link, reason } = useLink();
  if (link === 'open' || !reason) return null;
  return (
    <div className="banner" role="alert" data-testid="link-banner">
      {reason}
    </div>
  );
}

/** Robots whose safety interlock is latched, with who tripped it and why (from their state stream). */
function useTripped(): Array<{ id: string; text: string }> {
  // Selected as one string, so the app (and the whole dock under it) re-renders when the set of trips changes,
  // not on every 20 Hz state sample.
  const key = useConsoleStore((s) =>
    JSON.stringify(
      Object.values(s.robots)
        .filter((r) => r.interlock === 'tripped')
        .map((r) => {
          const who = [r.interlockSource, r.interlockFrom ? `from ${r.interlockFrom}` : null].filter(Boolean).join(' ');
          return { id: r.deviceId, text: `${r.deviceId}: ${r.interlockReason ?? 'tripped'}${who ? ` (by ${who})` : ''}` };
        }),
    ),
  );
  return useMemo(() => JSON.parse(key) as Array<{ id: string; text: string }>, [key]);
}

/** Across the whole header while any robot's interlock is latched: nothing moves until someone resets it. */
function TrippedBar({ tripped }: { tripped: Array<{ id: string; text: string }> }) {
  if (!tripped.length) return null;
  return (
    <div className="tripped-bar" role="alert" data-testid="tripped-bar">
      <strong>TRIPPED</strong> {tripped.map((t) => t.text).join(' · ')} — motion is refused until the interlock is reset (Ownership &amp; safety)
    </div>
  );
}

export function App() {
  const tripped = useTripped();
  return (
    <div className="app">
      <header className={`topbar${tripped.length ? ' topbar-tripped' : ''}`} data-testid="topbar" data-tripped={String(tripped.length > 0)}>
        <h1>Reachy Mini Console</h1>
        <StatusBar />
        <EStopButton />
      </header>
      <TrippedBar tripped={tripped} />
      <LinkBanner />
      <Cockpit />
      <Toasts />
    </div>
  );
}
