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

/**
 * Largest tool reply text we send, under the 900,000-byte cap the mesh keeps for every reply so a bridge behind a
 * NATS hop (or a portal) can pass it on; the margin covers the MCP envelope.
 */
export const TOOL_REPLY_BUDGET_BYTES = 850_000;

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Renders with `render(lim)`, halving `lim` until the text fits the budget (a shorter page with the right cursor is
 * still a valid page). Returns the text and the limit that was used.
 */
function fitToBudget(limit: number, render: (lim: number) => string, budget: number): { text: string; limit: number } {
  let lim = Math.max(1, limit);
  let text = render(lim);
  while (lim > 1 && byteLength(text) > budget) {
    lim = Math.ceil(lim / 2);
    text = render(lim);
  }
  return { text, limit: lim };
}

export interface PageArgs {
  offset: number;
  limit: number;
  expand: boolean;
  /** How the reply object becomes text (the bridge's Python-compatible JSON). */
  dump: (value: unknown) => string;
  budget?: number;
}

const shortenedHint = (offset: number, lim: number, total: number): string =>
  `Page shortened to ${lim} devices to stay under the reply size cap; ${offset + lim < total ? `continue with offset=${offset + lim}` : 'this is the last page'}.`;

/** The flat `list_devices` page (reference shape), shortened when the requested page would exceed the reply budget. */
export function listPage(devices: DeviceInfo[], args: PageArgs): { text: string; shown: number } {
  const { offset, limit, expand, dump } = args;
  const total = devices.length;
  const render = (lim: number, hint?: string): string => {
    const page = devices.slice(offset, offset + lim);
    const result: Record<string, unknown> = {
      devices: page.map((d) => compactDevice(d, expand)),
      total,
      offset,
      limit: lim,
      has_more: offset + lim < total,
    };
    if (hint) result.hint = hint;
    return dump(result);
  };
  const fit = fitToBudget(limit, (lim) => render(lim), args.budget ?? TOOL_REPLY_BUDGET_BYTES);
  if (fit.limit === limit) return { text: fit.text, shown: Math.max(0, Math.min(limit, total - offset)) };
  return { text: render(fit.limit, shortenedHint(offset, fit.limit, total)), shown: Math.max(0, Math.min(fit.limit, total - offset)) };
}

/**
 * `list_devices` with `group_by`: the reference's `{groups, total}` of every device when that fits the reply budget.
 * A fleet too large for one reply is paged instead (the page is grouped), with `offset`, `limit` and `has_more`
 * as in the flat listing and a hint saying so.
 */
export function groupedPage(
  devices: DeviceInfo[],
  groupBy: 'location' | 'device_type',
  args: PageArgs,
): { text: string; groups: number } {
  const budget = args.budget ?? TOOL_REPLY_BUDGET_BYTES;
  const whole = groupDevices(devices, groupBy, args.expand);
  const wholeText = args.dump(whole);
  if (byteLength(wholeText) <= budget) return { text: wholeText, groups: Object.keys(whole.groups).length };
  const { offset, expand, dump } = args;
  const total = devices.length;
  let groups = 0;
  const render = (lim: number): string => {
    const page = groupDevices(devices.slice(offset, offset + lim), groupBy, expand);
    groups = Object.keys(page.groups).length;
    return dump({
      groups: page.groups,
      total,
      offset,
      limit: lim,
      has_more: offset + lim < total,
      hint: `${total} devices do not fit one reply: grouped page of up to ${lim} devices; ${offset + lim < total ? `continue with offset=${offset + lim}` : 'this is the last page'}.`,
    });
  };
  const fit = fitToBudget(args.limit, render, budget);
  return { text: fit.text, groups };
}

/**
 * describe_fleet's aggregate, kept under the reply budget: a fleet with so many distinct locations that the lists
 * would not fit keeps the busiest locations and says how many were left out.
 */
export function boundedAggregate(agg: FleetAggregate, dump: (value: unknown) => string, budget = TOOL_REPLY_BUDGET_BYTES): string {
  let text = dump(agg);
  if (byteLength(text) <= budget) return text;
  const locations = Object.entries(agg.by_location).sort((a, b) => b[1].count - a[1].count || byKey(a[0], b[0]));
  let keep = locations.length;
  while (keep > 1 && byteLength(text) > budget) {
    keep = Math.ceil(keep / 2);
    const kept = new Set(locations.slice(0, keep).map(([k]) => k));
    const byLocation: FleetAggregate['by_location'] = {};
    for (const [k, v] of locations.slice(0, keep).sort((a, b) => byKey(a[0], b[0]))) byLocation[k] = v;
    const byType: FleetAggregate['by_type'] = {};
    for (const [k, v] of Object.entries(agg.by_type)) {
      const locs = v.locations.filter((l) => kept.has(l));
      byType[k] = { count: v.count, locations: locs, ...(locs.length < v.locations.length ? { more_locations: v.locations.length - locs.length } : {}) };
    }
    text = dump({
      ...agg,
      by_type: byType,
      by_location: byLocation,
      more_locations: locations.length - keep,
      hint: `${locations.length} locations do not fit one reply: the ${keep} with the most devices are listed; use list_devices with location= for the others.`,
    });
  }
  return text;
}
