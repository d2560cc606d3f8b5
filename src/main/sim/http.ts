/**
 * Minimal HTTP routing for the simulator, with FastAPI's error forms: 422 `{"detail":[{type,loc,msg,input}]}`
 * for validation errors (pydantic v2 wording), `{"detail": "..."}` for HTTPException, plain-text 500 for
 * unhandled errors. The media helper adds its routes through the same table (`sim.http.addRoute`).
 */
import { errorMessage } from '../../shared/errors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** `{name}` segments of the route pattern. */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
}

export interface SimResponse {
  status?: number;
  /** Serialised as JSON (`application/json`). */
  json?: unknown;
  /** Raw body (text or bytes) when `json` is not used. */
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** A FastAPI HTTPException / validation failure. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
  }
}

export interface PydanticError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export function validationError(errors: PydanticError[]): HttpError {
  return new HttpError(422, errors);
}

interface Route {
  method: string;
  pattern: string;
  parts: string[];
  handler: RouteHandler;
}

export class Router {
  private routes: Route[] = [];

  /** Registers (or replaces) a route. `{name}` matches one segment; `{name:path}` the rest of the path. */
  addRoute(method: HttpMethod, pattern: string, handler: RouteHandler): void {
    this.routes = this.routes.filter((r) => !(r.method === method && r.pattern === pattern));
    this.routes.push({ method, pattern, parts: pattern.split('/').filter(Boolean), handler });
  }

  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | 'method_not_allowed' | null {
    const segs = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params };
    }
    return pathMatched ? 'method_not_allowed' : null;
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.startsWith('{') && p.endsWith(':path}')) {
      if (i >= segs.length) return null;
      params[p.slice(1, -6)] = segs.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= segs.length) return null;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = decodeURIComponent(segs[i]);
    else if (p !== segs[i]) return null;
  }
  return parts.length === segs.length ? params : null;
}

const MAX_BODY = 32 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, r: SimResponse): void {
  if (res.headersSent || res.destroyed) return;
  const status = r.status ?? 200;
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body: string | Buffer;
  if (r.json !== undefined || r.body === undefined) {
    body = JSON.stringify(r.json === undefined ? null : r.json);
    headers['content-type'] = 'application/json';
  } else {
    body = r.body;
    headers['content-type'] = r.contentType ?? 'text/plain; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

// ---- request parsing with the daemon's error forms ----

/** Parses the JSON body; FastAPI's `json_invalid` / missing-body errors otherwise. */
export function jsonBody(req: SimRequest, required = true): unknown {
  const text = req.rawBody.toString('utf8');
  if (text.trim() === '') {
    if (!required) return undefined;
    throw validationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw validationError([
      { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: errorMessage(err) } },
    ]);
  }
}

/** Validates with zod and converts failures to pydantic-style 422 items under `loc` prefix. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: (string | number)[]): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(zodToPydantic(r.error.issues, value, prefix));
}

const TYPE_MSG: Record<string, [string, string]> = {
  number: ['float_type', 'Input should be a valid number'],
  int: ['int_type', 'Input should be a valid integer'],
  string: ['string_type', 'Input should be a valid string'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  array: ['list_type', 'Input should be a valid list'],
  tuple: ['tuple_type', 'Input should be a valid tuple'],
  object: ['model_attributes_type', 'Input should be a valid dictionary or object to extract fields from'],
};

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

interface LooseIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  values?: unknown[];
}

export function zodToPydantic(issues: readonly LooseIssue[], root: unknown, prefix: (string | number)[]): PydanticError[] {
  const out: PydanticError[] = [];
  for (const is of issues) {
    const path = is.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const loc = [...prefix, ...path];
    const input = valueAt(root, is.path);
    if (is.code === 'invalid_type') {
      if (input === undefined) {
        out.push({ type: 'missing', loc, msg: 'Field required', input: valueAt(root, is.path.slice(0, -1)) ?? null });
        continue;
      }
      if (is.expected === 'int' && typeof input === 'number') {
        out.push({ type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input });
        continue;
      }
      if (is.expected === 'number' && typeof input === 'string') {
        out.push({ type: 'float_parsing', loc, msg: 'Input should be a valid number, unable to parse string as a number', input });
        continue;
      }
      const [type, msg] = TYPE_MSG[is.expected ?? ''] ?? ['type_error', is.message];
      out.push({ type, loc, msg, input });
    } else if (is.code === 'too_small' && is.origin === 'array' && Array.isArray(input)) {
      for (let i = input.length; i < Number(is.minimum); i++) out.push({ type: 'missing', loc: [...loc, i], msg: 'Field required', input });
    } else if (is.code === 'too_big' && is.origin === 'array' && Array.isArray(input)) {
      out.push({ type: 'too_long', loc, msg: `Tuple should have at most ${Number(is.maximum)} items after validation, not ${input.length}`, input, ctx: { field_type: 'Tuple', max_length: Number(is.maximum), actual_length: input.length } });
    } else if (is.code === 'too_big' && is.origin === 'number') {
      out.push({ type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${Number(is.maximum)}`, input, ctx: { le: Number(is.maximum) } });
    } else if (is.code === 'too_small' && is.origin === 'number') {
      out.push({ type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${Number(is.minimum)}`, input, ctx: { ge: Number(is.minimum) } });
    } else if (is.code === 'too_small' && is.origin === 'string') {
      out.push({ type: 'string_too_short', loc, msg: `String should have at least ${Number(is.minimum)} character`, input, ctx: { min_length: Number(is.minimum) } });
    } else if (is.code === 'too_big' && is.origin === 'string') {
      out.push({ type: 'string_too_long', loc, msg: `String should have at most ${Number(is.maximum)} characters`, input, ctx: { max_length: Number(is.maximum) } });
    } else if (is.code === 'invalid_value' && is.values) {
      const q = is.values.map((v) => `'${String(v)}'`);
      const expected = q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q[0];
      out.push({ type: 'enum', loc, msg: `Input should be ${expected}`, input, ctx: { expected } });
    } else {
      out.push({ type: 'value_error', loc, msg: is.message, input });
    }
  }
  return out;
}

const TRUE = new Set(['1', 'true', 't', 'yes', 'y', 'on']);
const FALSE = new Set(['0', 'false', 'f', 'no', 'n', 'off']);

/** FastAPI bool query parameter. `undefined` default means the parameter is required. */
export function queryBool(req: SimRequest, name: string, def?: boolean): boolean {
  const raw = req.query.get(name);
  if (raw === null) {
    if (def !== undefined) return def;
    throw validationError([{ type: 'missing', loc: ['query', name], msg: 'Field required', input: null }]);
  }
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw validationError([{ type: 'bool_parsing', loc: ['query', name], msg: 'Input should be a valid boolean, unable to interpret input', input: raw }]);
}

export function queryFloat(req: SimRequest, name: string, def: number): number {
  const raw = req.query.get(name);
  if (raw === null) return def;
  const v = Number(raw);
  if (raw.trim() === '' || Number.isNaN(v)) {
    throw validationError([{ type: 'float_parsing', loc: ['query', name], msg: 'Input should be a valid number, unable to parse string as a number', input: raw }]);
  }
  return v;
}
