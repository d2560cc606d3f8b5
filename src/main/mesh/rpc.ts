/**
 * JSON-RPC 2.0 envelopes and small helpers shared by the runtime and the client (reference §3.3–§3.5).
 * Responses are built by string concatenation so each reply stringifies its result exactly once.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { JsonObject, JsonSchemaObject } from '../../shared/wire';

export function rpcResult(id: string | number, resultJson: string): string {
  return '{"jsonrpc":"2.0","id":' + JSON.stringify(id) + ',"result":' + resultJson + '}';
}

export function rpcError(id: string | number | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}

/** `%Y-%m-%dT%H:%M:%SZ` in UTC, as the reference's status/event timestamps. */
export function isoSeconds(ms: number = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** Epoch seconds as a float, as Python's time.time(). */
export function epochSeconds(): number {
  return Date.now() / 1000;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Cheap unique ids: a random prefix per process and a counter (any string is a valid JSON-RPC id). */
export class IdSource {
  private readonly prefix: string;
  private n = 0;
  constructor(kind: string) {
    this.prefix = `${kind}-${randomHex(3)}`;
  }
  next(): string {
    this.n = (this.n + 1) % 0x1000000;
    return this.prefix + this.n.toString(16).padStart(6, '0');
  }
}

export function isPlainObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function describeType(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x;
}

function fmtValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function pathName(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || 'params';
}

/**
 * One line naming each bad field and, where the schema knows it, the allowed range:
 * "pitch=40 outside allowed range [-30, 30]", "missing required argument 'value'", "unexpected argument 'bogus'".
 */
export function formatZodError(error: z.ZodError, input: unknown, wire?: JsonSchemaObject): string {
  const parts: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PropertyKey[];
    const name = pathName(path);
    const value = valueAt(input, path);
    const prop =
      wire && path.length === 1 && typeof path[0] === 'string'
        ? (wire.properties[path[0]] as Record<string, unknown> | undefined)
        : undefined;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const k of issue.keys) parts.push(`unexpected argument '${path.length ? name + '.' : ''}${k}'`);
        break;
      case 'invalid_type':
        if (value === undefined) parts.push(`missing required argument '${name}'`);
        else parts.push(`${name} must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}, got ${fmtValue(value)}`);
        break;
      case 'too_big':
      case 'too_small': {
        const min = prop?.minimum;
        const max = prop?.maximum;
        if (typeof min === 'number' && typeof max === 'number' && typeof value === 'number') {
          parts.push(`${name}=${value} outside allowed range [${min}, ${max}]`);
        } else {
          const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
          const op = issue.code === 'too_big' ? (issue.inclusive ? '<=' : '<') : issue.inclusive ? '>=' : '>';
          const what = issue.origin === 'number' || issue.origin === 'int' ? '' : ` (${issue.origin} size)`;
          parts.push(`${name}${typeof value === 'number' ? '=' + value : ''} must be ${op} ${String(bound)}${what}`);
        }
        break;
      }
      case 'invalid_value':
        parts.push(`${name}=${fmtValue(value)} must be one of: ${issue.values.map((v) => fmtValue(v)).join(', ')}`);
        break;
      default:
        parts.push(`${name}: ${issue.message}`);
    }
  }
  return `invalid params: ${parts.join('; ')}`;
}

/** Shape check for JsonSchemaFunction params (no zod): required keys, unknown keys, top-level JSON types. */
export function checkJsonSchemaParams(params: JsonObject, schema: JsonSchemaObject): string | null {
  const problems: string[] = [];
  for (const r of schema.required) if (params[r] === undefined) problems.push(`missing required argument '${r}'`);
  const props = schema.properties;
  for (const [k, v] of Object.entries(params)) {
    const p = props[k] as Record<string, unknown> | undefined;
    if (!p) {
      problems.push(`unexpected argument '${k}'`);
      continue;
    }
    const t = p.type;
    if (typeof t !== 'string' || v === null) continue;
    const actual = describeType(v);
    const ok =
      t === actual ||
      (t === 'integer' && typeof v === 'number' && Number.isInteger(v)) ||
      (t === 'number' && typeof v === 'number');
    if (!ok) problems.push(`${k} must be of type ${t}, got ${fmtValue(v)}`);
  }
  return problems.length ? `invalid params: ${problems.join('; ')}` : null;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
