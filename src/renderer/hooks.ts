/**
 * The hooks every panel uses (documented in README-panels.md). Panels subscribe through these; they never reach
 * into transport code.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConsoleSnapshot } from '../shared/console-api';
import { throttleLatest } from '../shared/rate';
import type { DeviceInfo, MeshEvent } from '../shared/wire';
import type { ConsoleClient } from './api/client';
import { addEventListener, DEVICE_FALLBACK_POLL_MS, getClient, useConsoleStore, type EventRecord } from './store';
import type { RobotView } from './robot-state';
import { daemonCause, freshness, streamCauses, type Freshness, type StreamContext } from './live';

/** The ConsoleApi (identical in Electron and browser mode). Methods reject with ConsoleApiError. */
export function useConsoleApi(): ConsoleClient {
  return getClient();
}

export function useSnapshot(): ConsoleSnapshot | null {
  return useConsoleStore((s) => s.snapshot);
}

export function useDevices(): DeviceInfo[] {
  return useConsoleStore((s) => s.devices);
}

/** The device picked in the fleet panel (defaults to the bundled driver's robot). */
export function useSelectedDeviceId(): string | null {
  return useConsoleStore((s) => s.selectedDeviceId);
}

/** Latest parsed `state_event` of a device (20 Hz), or null before the first one. */
export function useDeviceState(deviceId: string | null): RobotView | null {
  return useConsoleStore((s) => (deviceId ? (s.robots[deviceId] ?? null) : null));
}

/**
 * The same, re-rendering at most every `everyMs` (the newest sample at the end of each interval, never an old one):
 * for text and gauges a person reads, which gain nothing from 20 re-renders a second. The 3D view does not use it —
 * it reads every sample without a React render (Robot3DPanel).
 */
export function useDeviceStateEvery(deviceId: string | null, everyMs: number): RobotView | null {
  const read = (): RobotView | null => (deviceId ? (useConsoleStore.getState().robots[deviceId] ?? null) : null);
  const [view, setView] = useState(read);
  useEffect(() => {
    setView(read());
    if (!deviceId) return;
    const show = throttleLatest(() => setView(useConsoleStore.getState().robots[deviceId] ?? null), everyMs);
    const off = useConsoleStore.subscribe((s, prev) => {
      if (s.robots[deviceId] !== prev.robots[deviceId]) show.call();
    });
    return () => {
      off();
      show.cancel();
    };
  }, [deviceId, everyMs]);
  return deviceId ? view : null;
}

/**
 * A value read from the host now and every `everyMs` while the panel is shown (a failed read keeps the last value),
 * with a setter for the answers of the panel's own actions.
 */
export function usePolled<T>(read: () => Promise<T>, everyMs: number): [T | null, (v: T) => void] {
  const [value, setValue] = useState<T | null>(null);
  const readRef = useRef(read);
  readRef.current = read;
  useEffect(() => {
    const once = (): void => void readRef.current().then(setValue, () => undefined);
    once();
    const t = setInterval(once, everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return [value, setValue];
}

/** How often text panels (readouts, slider marks) show a new sample: 10 a second reads as live. */
export const READOUT_MS = 100;

export interface EventFilter {
  deviceId?: string;
  /** Exact event name(s). */
  names?: string[];
  /** Keep at most this many (newest). */
  limit?: number;
}

/** Recent events (all but state_event), filtered, newest last. */
export function useEvents(filter: EventFilter = {}): EventRecord[] {
  const events = useConsoleStore((s) => s.events);
  const { deviceId, limit } = filter;
  const namesKey = filter.names?.join(',') ?? '';
  return useMemo(() => {
    const names = namesKey ? new Set(namesKey.split(',')) : null;
    const out = events.filter((e) => (!deviceId || e.deviceId === deviceId) && (!names || names.has(e.name)));
    return limit ? out.slice(-limit) : out;
  }, [events, deviceId, namesKey, limit]);
}

/**
 * Calls `cb` for every matching mesh event, state_event included (the console subscribes to everything once; this
 * only filters). `cb` may change between renders without resubscribing.
 */
export function useEventStream(deviceId: string | null | '*', eventName: string | '*', cb: (e: MeshEvent) => void): void {
  const ref = useRef(cb);
  ref.current = cb;
  useEffect(
    () =>
      addEventListener((e) => {
        if (deviceId !== '*' && e.device_id !== deviceId) return;
        if (eventName !== '*' && e.event_name !== eventName) return;
        ref.current(e);
      }),
    [deviceId, eventName],
  );
}

/** Re-renders every `ms` (countdowns, data ages). */
export function useNow(ms = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Flat (so a shallow compare keeps it stable between pushes), then shaped for `streamCauses`. */
function useStreamContext(): StreamContext {
  const c = useConsoleStore(
    useShallow((s) => ({
      link: s.link,
      linkReason: s.linkReason,
      hasSnapshot: s.snapshot !== null,
      meshStatus: s.snapshot?.mesh.status,
      meshError: s.snapshot?.mesh.error,
      driverRunning: s.snapshot?.driver.running ?? false,
      driverDeviceId: s.snapshot?.driver.deviceId ?? s.driverDeviceId,
    })),
  );
  return {
    link: c.link,
    linkReason: c.linkReason,
    mesh: c.hasSnapshot && c.meshStatus ? { status: c.meshStatus, error: c.meshError } : null,
    driver: c.hasSnapshot ? { running: c.driverRunning, deviceId: c.driverDeviceId } : null,
  };
}

/**
 * How live a device's `state_event` data is, re-evaluated every `tickMs` by the wall clock (not by the pushes, which
 * are exactly what may have stopped). `observed`: the view shows what the robot reports (pose, joints, IMU), which
 * is also stale while the driver has lost the robot daemon; lease and interlock (the driver's own state) are not.
 */
export function useStreamFreshness(deviceId: string | null, opts: { observed?: boolean; tickMs?: number } = {}): Freshness {
  const now = useNow(opts.tickMs ?? 250);
  // While live, a new sample changes nothing the tick would not show (the age is re-read on every tick): no render
  // per 20 Hz sample. While stale, the next sample re-renders at once, so the view turns live without waiting a tick.
  const stale = useRef(true);
  useConsoleStore((s) => (stale.current && deviceId ? (s.robots[deviceId]?.receivedAt ?? null) : null));
  const receivedAt = deviceId ? (useConsoleStore.getState().robots[deviceId]?.receivedAt ?? null) : null;
  const daemonLink = useConsoleStore((s) => (deviceId ? (s.robots[deviceId]?.link ?? null) : null));
  const ctx = useStreamContext();
  const causes = [...(deviceId ? streamCauses(ctx, deviceId) : []), opts.observed ? daemonCause(daemonLink) : null];
  const f = freshness({ now, receivedAt, what: `state from ${deviceId ?? 'the robot'}`, causes });
  stale.current = f.stale;
  return f;
}

/**
 * How live the fleet list is. It is listed again on every change the host announces and at least every
 * DEVICE_FALLBACK_POLL_MS, so two missed listings make it stale; a dead link or mesh makes it stale at once.
 */
export function useFleetFreshness(): Freshness {
  const now = useNow(500);
  const devicesAt = useConsoleStore((s) => s.devicesAt);
  const devicesError = useConsoleStore((s) => s.devicesError);
  const ctx = useStreamContext();
  const causes = [...streamCauses({ ...ctx, driver: null }, ''), devicesError ? `listing devices failed: ${devicesError}` : null];
  return freshness({ now, receivedAt: devicesAt, what: 'device list', staleAfterMs: DEVICE_FALLBACK_POLL_MS * 2.5, causes });
}

export function useLink(): { link: string; reason?: string } {
  return useConsoleStore(useShallow((s) => ({ link: s.link, reason: s.linkReason })));
}

export { notify, runAction, selectDevice } from './store';
