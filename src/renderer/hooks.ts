/**
 * The hooks every panel uses (documented in README-panels.md). Panels subscribe through these; they never reach
 * into transport code.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ConsoleSnapshot } from '../shared/console-api';
import type { DeviceInfo, MeshEvent } from '../shared/wire';
import type { ConsoleClient } from './api/client';
import { addEventListener, getClient, useConsoleStore, type EventRecord } from './store';
import type { RobotView } from './robot-state';

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

/** Re-renders every `ms` (countdowns). */
export function useNow(ms = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function useLink(): { link: string; reason?: string } {
  return useConsoleStore(useShallow((s) => ({ link: s.link, reason: s.linkReason })));
}

export { notify, runAction, selectDevice } from './store';
