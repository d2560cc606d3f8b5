/**
 * Invoke observers: a recorder (or any tap) sees every call that passes a MeshClient or a DeviceRuntime in this
 * process — function, params, caller, start time, outcome and duration. With no observer the hot path pays one
 * size check. A call made by a MeshClient of this process to a DeviceRuntime of this process is reported once,
 * by the client (the runtime sees it as already observed).
 */
import type { JsonObject } from '../../shared/wire';

export interface ObservedCall {
  /** Where it was seen: the caller's MeshClient, or the device's runtime (a call from another process). */
  side: 'client' | 'device';
  deviceId: string;
  fn: string;
  params: JsonObject;
  /** Who asked: the caller's own label (InvokeOptions.caller), else `_dc_meta.source_device`, else null. */
  caller: string | null;
  sourceDevice: string | null;
  rpcId: string | number | null;
  /** Epoch milliseconds. */
  startedAt: number;
}

export type ObservedOutcome = { ok: true; result: unknown; durationMs: number } | { ok: false; error: string; durationMs: number };

/** Called when a call starts; may return a function called once with its outcome. Must not throw. */
export type InvokeObserver = (call: ObservedCall) => ((outcome: ObservedOutcome) => void) | void;

const observers = new Set<InvokeObserver>();
// Client calls in flight to this process's own devices, so the device side does not report them again.
const clientInFlight = new Set<string>();

export function observeInvokes(observer: InvokeObserver): () => void {
  observers.add(observer);
  return () => {
    observers.delete(observer);
    if (observers.size === 0) clientInFlight.clear();
  };
}

export function hasInvokeObservers(): boolean {
  return observers.size > 0;
}

type Finish = (outcome: { ok: true; result: unknown } | { ok: false; error: string }) => void;

/** Null when nobody observes (the caller then skips all bookkeeping). */
export function invokeStarted(call: Omit<ObservedCall, 'startedAt'>): Finish | null {
  if (observers.size === 0) return null;
  const key = `${call.deviceId}\u0000${String(call.rpcId)}`;
  if (call.side === 'device' && call.rpcId !== null && clientInFlight.has(key)) return null;
  if (call.side === 'client' && call.rpcId !== null) clientInFlight.add(key);
  const startedAt = Date.now();
  const t0 = performance.now();
  const full: ObservedCall = { ...call, caller: call.caller ?? call.sourceDevice, startedAt };
  const finishers: Array<(o: ObservedOutcome) => void> = [];
  for (const o of observers) {
    try {
      const f = o(full);
      if (f) finishers.push(f);
    } catch {
      // An observer's bug never breaks a call.
    }
  }
  return (outcome) => {
    if (call.side === 'client') clientInFlight.delete(key);
    const durationMs = performance.now() - t0;
    const o: ObservedOutcome = outcome.ok ? { ok: true, result: outcome.result, durationMs } : { ok: false, error: outcome.error, durationMs };
    for (const f of finishers) {
      try {
        f(o);
      } catch {
        // As above.
      }
    }
  };
}
