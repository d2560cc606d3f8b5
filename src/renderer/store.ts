/**
 * The renderer's one store (zustand). Transport code feeds it (pushes, replies); panels read it through the hooks in
 * hooks.ts and never touch the transport. High-rate data (state_event at 20 Hz) lands in `robots[deviceId]` and in
 * the IMU history ring; everything else is low rate.
 */
import { create } from 'zustand';
import type { ConsoleSnapshot, LogLine, Settings } from '../shared/console-api';
import type { DeviceInfo, MeshEvent } from '../shared/wire';
import { type ConsoleClient, type LinkState } from './api/client';
import { errorMessage } from '../shared/errors';
import { parseStateEvent, type RobotView } from './robot-state';
import { recordImu } from './imu-history';

export interface EventRecord {
  seq: number;
  deviceId: string;
  name: string;
  params: Record<string, unknown>;
  receivedAt: number;
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface Activity {
  id: number;
  label: string;
  since: number;
}

export interface ConsoleState {
  link: LinkState;
  linkReason?: string;
  snapshot: ConsoleSnapshot | null;
  devices: DeviceInfo[];
  devicesError?: string;
  /** Page-clock time of the last device list that arrived (null before the first). */
  devicesAt: number | null;
  /** The device id the bundled driver last published as, kept after it stops so its views can say why they went quiet. */
  driverDeviceId: string | null;
  selectedDeviceId: string | null;
  robots: Record<string, RobotView>;
  /** Every event except state_event (which would flood the log at 20 Hz); newest last. */
  events: EventRecord[];
  stateEventCount: number;
  logs: LogLine[];
  toasts: Toast[];
  activities: Activity[];
  settings: Settings | null;
}

const EVENT_RING = 500;
const LOG_RING = 1000;
/**
 * The device list is listed again when the host pushes `devices_changed` (an arrival, a departure, an online or
 * availability change; coalesced by the host) and otherwise only this often, for what the mesh does not announce
 * (e.g. other status fields): at 5,000 devices one listing is ~5 MB.
 */
export const DEVICE_FALLBACK_POLL_MS = 15_000;

export const useConsoleStore = create<ConsoleState>(() => ({
  link: 'connecting',
  snapshot: null,
  devices: [],
  devicesAt: null,
  driverDeviceId: null,
  selectedDeviceId: null,
  robots: {},
  events: [],
  stateEventCount: 0,
  logs: [],
  toasts: [],
  activities: [],
  settings: null,
}));

let client: ConsoleClient | null = null;
let seq = 0;
const eventListeners = new Set<(e: MeshEvent) => void>();

export function getClient(): ConsoleClient {
  if (!client) throw new Error('console client not initialised');
  return client;
}

/** Raw mesh events, including state_event (for panels that need every sample). */
export function addEventListener(cb: (e: MeshEvent) => void): () => void {
  eventListeners.add(cb);
  return () => eventListeners.delete(cb);
}

let toastId = 1;
export function notify(kind: Toast['kind'], text: string): void {
  const id = toastId++;
  useConsoleStore.setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text }] }));
  setTimeout(() => useConsoleStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === 'error' ? 8000 : 4000);
}

let activityId = 1;
/** Runs a UI action with a visible activity indicator; failures become a readable toast and resolve to null. */
export async function runAction<T>(label: string, fn: () => Promise<T>): Promise<T | null> {
  const id = activityId++;
  useConsoleStore.setState((s) => ({ activities: [...s.activities, { id, label, since: Date.now() }] }));
  try {
    return await fn();
  } catch (err) {
    notify('error', `${label}: ${errorMessage(err)}`);
    return null;
  } finally {
    useConsoleStore.setState((s) => ({ activities: s.activities.filter((a) => a.id !== id) }));
  }
}

export function selectDevice(deviceId: string | null): void {
  useConsoleStore.setState({ selectedDeviceId: deviceId });
}

function setSnapshot(snapshot: ConsoleSnapshot): void {
  useConsoleStore.setState((s) => ({ snapshot, driverDeviceId: snapshot.driver.deviceId ?? s.driverDeviceId }));
}

/**
 * Where events enter the store. The live source (the host's pushes) and a recorded source (replay.ts) both feed
 * it; while a recorded source plays, live events are held back so the panels show only the recording.
 */
let activeSource: 'live' | 'recorded' = 'live';
export function setEventSource(source: 'live' | 'recorded'): void {
  activeSource = source;
}
export function ingestEvent(e: MeshEvent, source: 'live' | 'recorded'): void {
  if (source === activeSource) onEvent(e);
}

function onEvent(e: MeshEvent): void {
  for (const l of eventListeners) l(e);
  if (e.event_name === 'state_event') {
    // Stamped with this page's clock: ages and the lease countdown are computed against Date.now() here, and the
    // host's or robot's clock may differ from it.
    const view = parseStateEvent(e.device_id, e.params, Date.now());
    recordImu(e.device_id, view);
    useConsoleStore.setState((s) => ({ robots: { ...s.robots, [e.device_id]: view }, stateEventCount: s.stateEventCount + 1 }));
    return;
  }
  const rec: EventRecord = { seq: ++seq, deviceId: e.device_id, name: e.event_name, params: e.params, receivedAt: e.received_at };
  useConsoleStore.setState((s) => ({ events: s.events.length >= EVENT_RING ? [...s.events.slice(1 - EVENT_RING), rec] : [...s.events, rec] }));
}

/** One listing at a time; a change announced during it lists once more after it, never a queue of listings. */
let listing: Promise<void> | null = null;
let listAgain = false;
export function refreshDevices(): Promise<void> {
  if (listing) {
    listAgain = true;
    return listing;
  }
  listing = (async () => {
    try {
      do {
        listAgain = false;
        await listDevicesOnce();
      } while (listAgain);
    } finally {
      listing = null;
    }
  })();
  return listing;
}

async function listDevicesOnce(): Promise<void> {
  if (!client || client.link() !== 'open') return;
  try {
    const devices = await client.listDevices({});
    devices.sort((a, b) => a.device_id.localeCompare(b.device_id));
    const st = useConsoleStore.getState();
    let selected = st.selectedDeviceId;
    if (!selected) {
      const preferred = st.snapshot?.driver.deviceId;
      selected =
        devices.find((d) => d.device_id === preferred)?.device_id ??
        devices.find((d) => d.device_type === 'reachy_mini')?.device_id ??
        null;
    } else if (!devices.some((d) => d.device_id === selected)) {
      // A robot that left the mesh stays selected: its views go grey and say why (driver stopped, no new state)
      // instead of going blank. Only the bundled driver coming back under another id moves the selection.
      const preferred = st.snapshot?.driver.running ? st.snapshot.driver.deviceId : null;
      if (preferred && devices.some((d) => d.device_id === preferred)) selected = preferred;
    }
    useConsoleStore.setState({ devices, devicesAt: Date.now(), devicesError: undefined, selectedDeviceId: selected });
  } catch (err) {
    useConsoleStore.setState({ devices: [], devicesError: errorMessage(err) });
  }
}

async function onOpen(c: ConsoleClient): Promise<void> {
  try {
    const [snapshot, logs] = await Promise.all([c.getSnapshot({}), c.readLogs({ limit: 300 })]);
    setSnapshot(snapshot);
    useConsoleStore.setState({ logs });
    await c.subscribe({ deviceId: '*', eventName: '*' });
    c.loadSettings({}).then(
      (settings) => useConsoleStore.setState({ settings }),
      (err: unknown) => notify('error', `settings: ${errorMessage(err)}`),
    );
    await refreshDevices();
  } catch (err) {
    notify('error', errorMessage(err));
  }
}

/** Wires a client into the store. Returns a cleanup function. */
export function initConsole(c: ConsoleClient): () => void {
  client = c;
  const offs: Array<() => void> = [];
  offs.push(
    c.onPush((p) => {
      switch (p.type) {
        case 'mesh_event':
          ingestEvent(p.event, 'live');
          break;
        case 'snapshot': {
          const prev = useConsoleStore.getState().snapshot;
          setSnapshot(p.snapshot);
          if (!prev || prev.mesh.status !== p.snapshot.mesh.status || prev.driver.running !== p.snapshot.driver.running || prev.mesh.kind !== p.snapshot.mesh.kind) {
            void refreshDevices();
          }
          break;
        }
        case 'devices_changed':
          void refreshDevices();
          break;
        case 'log':
          useConsoleStore.setState((s) => ({ logs: s.logs.length >= LOG_RING ? [...s.logs.slice(1 - LOG_RING), p.record] : [...s.logs, p.record] }));
          break;
        default:
          break;
      }
    }),
  );
  offs.push(
    c.onLink((state, reason) => {
      // Keep the last failure in words while retrying, so the banner does not flicker between attempts.
      useConsoleStore.setState((s) => ({ link: state, linkReason: state === 'open' ? undefined : (reason ?? s.linkReason) }));
      if (state === 'open') void onOpen(c);
    }),
  );
  if (c.link() === 'open') {
    useConsoleStore.setState({ link: 'open' });
    void onOpen(c);
  }
  const poll = setInterval(() => void refreshDevices(), DEVICE_FALLBACK_POLL_MS);
  return () => {
    clearInterval(poll);
    for (const off of offs) off();
    c.close();
    client = null;
  };
}
