/**
 * Turning presence docs and registry records (untrusted JSON from any Device Connect device) into DeviceInfo,
 * flattened as agent-tools' `flatten_device` (docs/PROTOCOL.md), plus the fleet summary and the discovery filters.
 */
import {
  DEVICE_ID_PATTERN,
  type DeviceIdentity,
  type DeviceInfo,
  type DeviceStatus,
  type EventDef,
  type FleetSummary,
  type FunctionDef,
  type JsonObject,
  type JsonSchemaObject,
  type Labels,
} from '../../shared/wire';
import { isPlainObject } from './rpc';

function dropNulls<T extends JsonObject>(o: unknown): T {
  const out: JsonObject = {};
  if (isPlainObject(o)) for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

function labelsOf(x: unknown): Labels | null {
  if (!isPlainObject(x)) return null;
  const out: Labels = {};
  for (const [k, v] of Object.entries(x)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((i): i is string => typeof i === 'string');
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

function schemaOf(x: unknown): JsonSchemaObject {
  if (!isPlainObject(x)) return { type: 'object', properties: {}, required: [] };
  return {
    ...x,
    type: 'object',
    properties: isPlainObject(x.properties) ? (x.properties as Record<string, JsonObject>) : {},
    required: Array.isArray(x.required) ? x.required.filter((r): r is string => typeof r === 'string') : [],
  };
}

export function normalizeFunction(x: unknown): FunctionDef | null {
  if (!isPlainObject(x) || typeof x.name !== 'string' || !x.name) return null;
  return {
    name: x.name,
    description: str(x.description),
    parameters: schemaOf(x.parameters),
    labels: labelsOf(x.labels),
    tags: Array.isArray(x.tags) ? x.tags.filter((t): t is string => typeof t === 'string') : [],
  };
}

export function normalizeEvent(x: unknown): EventDef | null {
  if (!isPlainObject(x) || typeof x.name !== 'string' || !x.name) return null;
  return {
    name: x.name,
    description: str(x.description),
    payload_schema: isPlainObject(x.payload_schema) ? schemaOf(x.payload_schema) : null,
    labels: labelsOf(x.labels),
    tags: Array.isArray(x.tags) ? x.tags.filter((t): t is string => typeof t === 'string') : [],
  };
}

/** A presence doc or registry record → DeviceInfo; null when it is not a usable device document. */
export function flattenDevice(raw: unknown, source: DeviceInfo['source'], lastSeen: number = Date.now()): DeviceInfo | null {
  if (!isPlainObject(raw) || typeof raw.device_id !== 'string' || !DEVICE_ID_PATTERN.test(raw.device_id)) return null;
  const caps = isPlainObject(raw.capabilities) ? raw.capabilities : {};
  const identity = dropNulls<DeviceIdentity>(raw.identity);
  const status = dropNulls<DeviceStatus>(raw.status);
  const deviceType = str(identity.device_type);
  if (typeof identity.device_type !== 'string') identity.device_type = deviceType;
  const location = str(raw.location) || str(status.location);
  const labels: Labels = { ...(labelsOf(caps.labels) ?? {}) };
  // agent-tools mirrors location and type into the labels.
  if (location && labels.location === undefined) labels.location = location;
  if (deviceType && labels.type === undefined) labels.type = deviceType;
  const functions = Array.isArray(caps.functions)
    ? caps.functions.map(normalizeFunction).filter((f): f is FunctionDef => f !== null)
    : [];
  const events = Array.isArray(caps.events)
    ? caps.events.map(normalizeEvent).filter((e): e is EventDef => e !== null)
    : [];
  return {
    device_id: raw.device_id,
    device_type: deviceType,
    location,
    status,
    identity,
    description: str(caps.description),
    functions,
    events,
    labels,
    online: status.online !== false,
    last_seen: lastSeen,
    source,
  };
}

export interface DeviceFilter {
  deviceType?: string;
  location?: string;
}

/** The reference's case-insensitive substring filters on device_type and location. */
export function matchesFilter(d: DeviceInfo, filter?: DeviceFilter): boolean {
  if (!filter) return true;
  if (filter.deviceType && !d.device_type.toLowerCase().includes(filter.deviceType.toLowerCase())) return false;
  if (filter.location && !d.location.toLowerCase().includes(filter.location.toLowerCase())) return false;
  return true;
}

/** `describe_fleet` aggregation (docs/PROTOCOL.md): sorted lists, "unknown" for a missing type or location. */
export function summarizeFleet(devices: DeviceInfo[]): FleetSummary {
  const byType: Record<string, { count: number; locations: Set<string> }> = {};
  const byLoc: Record<string, { count: number; types: Set<string> }> = {};
  let totalFunctions = 0;
  for (const d of devices) {
    const t = d.device_type || 'unknown';
    const l = d.location || 'unknown';
    totalFunctions += d.functions.length;
    (byType[t] ??= { count: 0, locations: new Set() }).count++;
    byType[t].locations.add(l);
    (byLoc[l] ??= { count: 0, types: new Set() }).count++;
    byLoc[l].types.add(t);
  }
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  return {
    total_devices: devices.length,
    total_functions: totalFunctions,
    by_type: sortKeys(
      Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, { count: v.count, locations: [...v.locations].sort() }])),
    ),
    by_location: sortKeys(
      Object.fromEntries(Object.entries(byLoc).map(([k, v]) => [k, { count: v.count, types: [...v.types].sort() }])),
    ),
  };
}
