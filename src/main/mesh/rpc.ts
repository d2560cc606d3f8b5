/**
 * JSON-RPC 2.0 envelopes and small helpers shared by the runtime and the client (docs/PROTOCOL.md).
 * Responses are built by string concatenation so each reply stringifies its result exactly once.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { clipText, ECHO_MAX_CHARS } from '../../shared/bounded';
import type { JsonObject, JsonSchemaObject } from '../../shared/wire';

/**
 * Every reply (result or error) stays under this many bytes of JSON, whatever the broker's max_payload: replies
 * travel back through bridges and clients that assume it (media replies are sized against the same number).
 */
export const REPLY_CAP_BYTES = 900_000;
/** An error message is a sentence for a person or an LLM; anything longer is cut (with its size noted). */
export const ERROR_MESSAGE_MAX_CHARS = 4_000;
/** Longest JSON-RPC id echoed back; longer ids are refused as invalid requests (the id must be echoed whole). */
export const RPC_ID_MAX_CHARS = 256;
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
/** At most this many problems are listed in one invalid-params message. */
const MAX_LISTED_PROBLEMS = 10;

export function rpcResult(id: string | number | null, resultJson: string): string {
  return '{"jsonrpc":"2.0","id":' + JSON.stringify(id) + ',"result":' + resultJson + '}';
}

export function rpcError(id: string | number | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message: clipText(message, ERROR_MESSAGE_MAX_CHARS) } });
}

/** A caller's text as echoed in an error message: at most ECHO_MAX_CHARS characters, the cut marked with the size. */
export function echo(value: string): string {
  return clipText(value, ECHO_MAX_CHARS);
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
  if (typeof v === 'string') return `'${echo(v)}'`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? echo(String(v)) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return echo(String(v));
  }
}

/** Joins problems into one message, listing at most MAX_LISTED_PROBLEMS (a body with 100k bad keys stays short). */
function joinProblems(parts: string[]): string {
  if (parts.length <= MAX_LISTED_PROBLEMS) return parts.join('; ');
  return `${parts.slice(0, MAX_LISTED_PROBLEMS).join('; ')}; and ${parts.length - MAX_LISTED_PROBLEMS} more`;
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
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${echo(String(k))}` : echo(String(k));
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
        for (const k of issue.keys) parts.push(`unexpected argument '${path.length ? name + '.' : ''}${echo(k)}'`);
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
        // Custom messages may quote the input (zod's own or a schema's); they are bounded like any echo.
        parts.push(`${name}: ${clipText(issue.message, 2 * ECHO_MAX_CHARS)}`);
    }
  }
  return `invalid params: ${joinProblems(parts)}`;
}

/** Shape check for JsonSchemaFunction params (no zod): required keys, unknown keys, top-level JSON types. */
export function checkJsonSchemaParams(params: JsonObject, schema: JsonSchemaObject): string | null {
  const problems: string[] = [];
  for (const r of schema.required) if (params[r] === undefined) problems.push(`missing required argument '${r}'`);
  const props = schema.properties;
  for (const [k, v] of Object.entries(params)) {
    const p = props[k] as Record<string, unknown> | undefined;
    if (!p) {
      problems.push(`unexpected argument '${echo(k)}'`);
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
  return problems.length ? `invalid params: ${joinProblems(problems)}` : null;
}

export { errorMessage } from '../../shared/errors';
