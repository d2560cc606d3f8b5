/**
 * The reference bridge's device shapes (agent-tools `_normalize.py`): full_device, compact_device, the fuzzy
 * device-type filter, status extraction, fleet aggregation and grouping. Pure functions over DeviceInfo so the
 * same text comes out whichever discovery mode (D2D, infra, local) produced the devices.
 */
import type { DeviceInfo } from '../../shared/wire';

export const SMALL_FLEET_HINT =
  'Full device details included \u2014 skip list_devices / get_device_functions and go straight to invoke_device.';

/** DEVICE_CONNECT_SMALL_FLEET_THRESHOLD, default 5, clamped to 0..100 as in agent-tools. */
export function smallFleetThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DEVICE_CONNECT_SMALL_FLEET_THRESHOLD;
  const n = raw === undefined || raw.trim() === '' ? 5 : Number.parseInt(raw, 10);
  if (!Number.isFinite(n)) return 5;
  return Math.min(100, Math.max(0, n));
}

export interface FunctionSummary {
  name: string;
  description: string;
  parameters: unknown;
}

export interface FullDevice {
  device_id: string;
  device_type: string | null;
  location: string | null;
  functions: FunctionSummary[];
  events: string[];
}

export interface CompactDevice {
  device_id: string;
  device_type: string | null;
  location: string | null;
  function_count: number;
  function_names: string[];
  functions?: FunctionSummary[];
  status: string;
}

function functionsOf(d: DeviceInfo): FunctionSummary[] {
  const out: FunctionSummary[] = [];
  for (const f of d.functions ?? []) {
    if (!f || !f.name) continue;
    out.push({ name: f.name, description: f.description ?? '', parameters: f.parameters ?? {} });
  }
  return out;
}

export function fullDevice(d: DeviceInfo): FullDevice {
  return {
    device_id: d.device_id,
    device_type: d.device_type || null,
    location: d.location || null,
    functions: functionsOf(d),
    events: (d.events ?? []).map((e) => e?.name).filter((n): n is string => Boolean(n)),
  };
}

/** `status.availability`, else `status.state`, else "unknown". */
export function extractStatus(d: DeviceInfo): string {
  const s = d.status as Record<string, unknown> | string | undefined;
  if (typeof s === 'string') return s || 'unknown';
  const availability = s?.availability;
  if (typeof availability === 'string' && availability) return availability;
  const state = s?.state;
  if (typeof state === 'string' && state) return state;
  return 'unknown';
}

export function compactDevice(d: DeviceInfo, expand: boolean): CompactDevice {
  const functions = functionsOf(d);
  const base = {
    device_id: d.device_id,
    device_type: d.device_type || null,
    location: d.location || null,
    function_count: functions.length,
    function_names: functions.map((f) => f.name),
  };
  // Key order as the reference: function_names, [functions], status.
  return expand ? { ...base, functions, status: extractStatus(d) } : { ...base, status: extractStatus(d) };
}

const squash = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/** Case-insensitive, `_`/`-` ignored, substring in either direction ("reachymini" finds "reachy_mini"). */
export function fuzzyFilterByType(devices: DeviceInfo[], deviceType: string): DeviceInfo[] {
  const t = squash(deviceType);
  return devices.filter((d) => {
    if (!d.device_type) return false;
    const dt = squash(d.device_type);
    return dt.includes(t) || t.includes(dt);
  });
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface FleetAggregate {
  total_devices: number;
  total_functions: number;
  by_type: Record<string, { count: number; locations: string[] }>;
  by_location: Record<string, { count: number; types: string[] }>;
  devices?: FullDevice[];
  hint?: string;
}

export function aggregateFleet(devices: DeviceInfo[]): FleetAggregate {
  const byType = new Map<string, { count: number; locations: Set<string> }>();
  const byLocation = new Map<string, { count: number; types: Set<string> }>();
  let totalFunctions = 0;
  for (const d of devices) {
    const dt = d.device_type || 'unknown';
    const loc = d.location || 'unknown';
    totalFunctions += (d.functions ?? []).length;
    const t = byType.get(dt) ?? { count: 0, locations: new Set<string>() };
    t.count += 1;
    t.locations.add(loc);
    byType.set(dt, t);
    const l = byLocation.get(loc) ?? { count: 0, types: new Set<string>() };
    l.count += 1;
    l.types.add(dt);
    byLocation.set(loc, l);
  }
  const out: FleetAggregate = { total_devices: devices.length, total_functions: totalFunctions, by_type: {}, by_location: {} };
  for (const k of [...byType.keys()].sort(byKey)) {
    const v = byType.get(k)!;
    out.by_type[k] = { count: v.count, locations: [...v.locations].sort(byKey) };
  }
  for (const k of [...byLocation.keys()].sort(byKey)) {
    const v = byLocation.get(k)!;
    out.by_location[k] = { count: v.count, types: [...v.types].sort(byKey) };
  }
  return out;
}

export function groupDevices(
  devices: DeviceInfo[],
  groupBy: 'location' | 'device_type',
  expand: boolean,
): { groups: Record<string, CompactDevice[]>; total: number } {
  const groups = new Map<string, CompactDevice[]>();
  for (const d of devices) {
    const c = compactDevice(d, expand);
    const key = c[groupBy] || 'unknown';
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const sorted: Record<string, CompactDevice[]> = {};
  for (const k of [...groups.keys()].sort(byKey)) sorted[k] = groups.get(k)!;
  return { groups: sorted, total: devices.length };
}
