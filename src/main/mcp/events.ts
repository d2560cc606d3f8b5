/**
 * Device events for agents: one mesh subscription per device, a ring of the last 32 events per device, waiters
 * for `wait_for_event`, and watchers for `events://devices/{id}/latest` subscriptions (reference
 * `event_subscriptions.py`). `invoke_device` pins a device's subscription *before* it sends the request, so an
 * event fired by the call is already in the ring when `wait_for_event` looks (no dispatch→wait race).
 */
import type { MeshClient } from '../mesh';
import type { JsonObject, MeshEvent } from '../../shared/wire';

export const RECENT_EVENTS_LIMIT = 32;

export interface BridgeEvent {
  device_id: string;
  event_name: string;
  params: JsonObject;
}

interface DeviceSlot {
  /** The client the subscription lives on (a console may swap its mesh under a running bridge). */
  client: MeshClient;
  unsubscribe: () => void;
  ring: BridgeEvent[];
  latest?: BridgeEvent;
  pinned: boolean;
  waiters: Set<(e: BridgeEvent) => void>;
  watchers: Set<(e: BridgeEvent) => void>;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Name filter ("" = any) and params subset filter, as the reference `_matches`. */
export function eventMatches(e: BridgeEvent, eventName: string, matchParams: JsonObject | null): boolean {
  if (eventName && e.event_name !== eventName) return false;
  if (matchParams) {
    for (const [k, v] of Object.entries(matchParams)) {
      if (!deepEqual(e.params?.[k], v)) return false;
    }
  }
  return true;
}

function safeUnsubscribe(s: DeviceSlot): void {
  try {
    s.unsubscribe();
  } catch {
    // the client is already closed
  }
}

export class EventHub {
  private readonly slots = new Map<string, DeviceSlot>();
  private closed = false;

  constructor(
    private readonly mesh: () => MeshClient,
    private readonly ringSize = RECENT_EVENTS_LIMIT,
  ) {}

  private slot(deviceId: string): DeviceSlot {
    const client = this.mesh();
    const existing = this.slots.get(deviceId);
    if (existing && existing.client === client) return existing;
    const s: DeviceSlot = existing ?? {
      client,
      unsubscribe: () => undefined,
      ring: [],
      pinned: false,
      waiters: new Set(),
      watchers: new Set(),
    };
    if (existing) {
      // The mesh was swapped: move the subscription to the new client, keep ring, waiters and watchers.
      safeUnsubscribe(existing);
      s.client = client;
    }
    s.unsubscribe = client.subscribe(deviceId, '*', (ev: MeshEvent) => this.onEvent(s, deviceId, ev));
    this.slots.set(deviceId, s);
    return s;
  }

  private onEvent(s: DeviceSlot, deviceId: string, ev: MeshEvent): void {
    const e: BridgeEvent = { device_id: deviceId, event_name: ev.event_name, params: ev.params ?? {} };
    s.latest = e;
    s.ring.push(e);
    if (s.ring.length > this.ringSize) s.ring.splice(0, s.ring.length - this.ringSize);
    for (const w of [...s.waiters]) w(e);
    for (const w of [...s.watchers]) w(e);
  }

  /** Drops a device's mesh subscription when nothing needs it any more. */
  private release(deviceId: string): void {
    const s = this.slots.get(deviceId);
    if (!s || s.pinned || s.waiters.size > 0 || s.watchers.size > 0) return;
    safeUnsubscribe(s);
    this.slots.delete(deviceId);
  }

  /** Subscribes (if not yet) and keeps the subscription for the bridge's lifetime. */
  pin(deviceId: string): void {
    if (this.closed) return;
    this.slot(deviceId).pinned = true;
  }

  latest(deviceId: string): BridgeEvent | undefined {
    return this.slots.get(deviceId)?.latest;
  }

  recent(deviceId: string): BridgeEvent[] {
    return [...(this.slots.get(deviceId)?.ring ?? [])];
  }

  /** For resources/subscribe: `cb` runs on each event of the device. Returns the unsubscribe function. */
  watch(deviceId: string, cb: (e: BridgeEvent) => void): () => void {
    if (this.closed) return () => undefined;
    const s = this.slot(deviceId);
    s.watchers.add(cb);
    return () => {
      s.watchers.delete(cb);
      this.release(deviceId);
    };
  }

  /**
   * Newest matching event already in the ring, else the next matching one within `timeoutMs`; null on timeout
   * or abort.
   */
  wait(
    deviceId: string,
    timeoutMs: number,
    eventName: string,
    matchParams: JsonObject | null,
    signal?: AbortSignal,
  ): Promise<BridgeEvent | null> {
    const ring = this.slots.get(deviceId)?.ring ?? [];
    for (let i = ring.length - 1; i >= 0; i--) {
      if (eventMatches(ring[i], eventName, matchParams)) return Promise.resolve(ring[i]);
    }
    if (this.closed || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    const s = this.slot(deviceId);
    return new Promise<BridgeEvent | null>((resolve) => {
      const finish = (value: BridgeEvent | null): void => {
        clearTimeout(timer);
        this.closers.delete(closer);
        signal?.removeEventListener('abort', onAbort);
        s.waiters.delete(waiter);
        this.release(deviceId);
        resolve(value);
      };
      const waiter = (e: BridgeEvent): void => {
        if (eventMatches(e, eventName, matchParams)) finish(e);
      };
      const onAbort = (): void => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      s.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      const closer = (): void => finish(null);
      this.closers.add(closer);
    });
  }

  private readonly closers = new Set<() => void>();

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.closers]) c();
    for (const s of this.slots.values()) safeUnsubscribe(s);
    this.slots.clear();
  }
}
