/**
 * Declare a device function once (zod params + handler) and derive the reference capabilities JSON from it
 * (docs/PROTOCOL.md: `{"type":"object","properties":…,"required":[…]}`, `required` always present).
 */
import { z } from 'zod';
import {
  EVENT_NAME_PATTERN,
  type EventDef,
  type FunctionDef,
  type JsonObject,
  type JsonSchemaObject,
} from '../../shared/wire';
import type { DeviceFunction, EventDeclaration, JsonSchemaFunction } from './types';

/** Same pattern as event names: safe as a JSON-RPC method and as an MCP tool argument. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Keys worth keeping for LLMs and generated forms; everything else (e.g. $schema) is dropped. */
const KEEP = new Set([
  'type',
  'description',
  'default',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'items',
  'properties',
  'required',
  'anyOf',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
]);

function cleanNode(node: unknown): JsonObject {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return {};
  const src = node as Record<string, unknown>;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(src)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      const props: Record<string, JsonObject> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) props[pk] = cleanNode(pv);
      out.properties = props;
    } else if (k === 'items') {
      out.items = Array.isArray(v) ? v.map(cleanNode) : cleanNode(v);
    } else if (k === 'anyOf' && Array.isArray(v)) {
      // Optional[T] is T in the reference: drop the null branch, unwrap a single survivor.
      const branches = v.filter((b) => !(b && typeof b === 'object' && (b as JsonObject).type === 'null'));
      if (branches.length === 1) Object.assign(out, cleanNode(branches[0]));
      else out.anyOf = branches.map(cleanNode);
    } else if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      out.type = types.length === 1 ? types[0] : types;
    } else if ((k === 'minimum' || k === 'maximum') && Math.abs(v as number) === Number.MAX_SAFE_INTEGER) {
      // zod's .int() adds the safe-integer range; it is noise for readers.
      continue;
    } else {
      out[k] = v;
    }
  }
  if (out.type === 'object' && out.properties && !Array.isArray(out.required)) out.required = [];
  return out;
}

/** zod object → reference parameter schema. Throws if the schema is not an object schema. */
export function zodToWireSchema(schema: z.ZodType): JsonSchemaObject {
  const raw = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  if (raw.type !== 'object') throw new Error('function params must be a zod object schema (z.object({...}))');
  const cleaned = cleanNode(raw);
  return {
    ...cleaned,
    type: 'object',
    properties: (cleaned.properties as Record<string, JsonObject> | undefined) ?? {},
    required: Array.isArray(cleaned.required) ? (cleaned.required as string[]) : [],
  };
}

function isZod(x: unknown): x is z.ZodType {
  return !!x && typeof x === 'object' && '_zod' in (x as object);
}

export function isZodFunction(fn: DeviceFunction | JsonSchemaFunction): fn is DeviceFunction {
  return 'params' in fn && isZod(fn.params);
}

const fnWireCache = new WeakMap<object, FunctionDef>();
const evWireCache = new WeakMap<object, EventDef>();

/** Validates the declaration's name; returns it unchanged (typed). */
export function defineFunction<S extends z.ZodType>(def: DeviceFunction<S>): DeviceFunction<S> {
  if (!FUNCTION_NAME_PATTERN.test(def.name)) {
    throw new Error(`function name '${def.name}' must match ${FUNCTION_NAME_PATTERN}`);
  }
  // Fail at declaration time rather than at first registration.
  functionToWire(def as unknown as DeviceFunction);
  return def;
}

export function defineEvent(def: EventDeclaration): EventDeclaration {
  if (!EVENT_NAME_PATTERN.test(def.name)) throw new Error(`event name '${def.name}' must match ${EVENT_NAME_PATTERN}`);
  eventToWire(def);
  return def;
}

function normalizeJsonSchema(s: JsonSchemaObject): JsonSchemaObject {
  return {
    ...s,
    type: 'object',
    properties: s.properties ?? {},
    required: Array.isArray(s.required) ? s.required : [],
  };
}

export function functionToWire(fn: DeviceFunction | JsonSchemaFunction): FunctionDef {
  const cached = fnWireCache.get(fn);
  if (cached) return cached;
  const parameters = isZodFunction(fn)
    ? zodToWireSchema(fn.params)
    : normalizeJsonSchema((fn as JsonSchemaFunction).parameters);
  const def: FunctionDef = {
    name: fn.name,
    description: fn.description ?? '',
    parameters,
    labels: fn.labels ?? null,
    tags: [],
  };
  fnWireCache.set(fn, def);
  return def;
}

export function eventToWire(ev: EventDeclaration): EventDef {
  const cached = evWireCache.get(ev);
  if (cached) return cached;
  let payload_schema: JsonSchemaObject | null = null;
  if (ev.payload) payload_schema = isZod(ev.payload) ? zodToWireSchema(ev.payload) : normalizeJsonSchema(ev.payload);
  const def: EventDef = {
    name: ev.name,
    description: ev.description ?? '',
    payload_schema,
    labels: ev.labels ?? null,
    tags: [],
  };
  evWireCache.set(ev, def);
  return def;
}
