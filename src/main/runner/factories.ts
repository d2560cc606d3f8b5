/**
 * Factories (Reflex's build_transport / build_connector / build_camera): built-in kinds by name, custom kinds by
 * module path `./my-robot.js:MyRobot` (resolved from the config file's folder; a `.js` that does not exist falls
 * back to the `.ts` beside it, so TypeScript examples run under tsx). A custom export is a class (constructed with
 * its config object) or a factory function.
 */
import { errorMessage } from '../../shared/errors';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { MeshClient } from '../mesh';
import { ReachyCamera, reachyCameraConfig } from './cameras/reachy';
import { zodIssues, type Issue } from './config';
import { ReachyMiniConnector, reachyConnectorConfig } from './connectors/reachy-mini';
import { ConfigError } from './errors';
import { HttpTransport } from './transports/http';
import { OpenPiTransport } from './transports/openpi';
import { WebSocketTransport } from './transports/websocket';
import type { CameraSource, PolicyTransport, RobotConnector } from './types';

export interface FactoryContext {
  /** Folder that relative module paths resolve from (the YAML file's folder). */
  baseDir?: string;
  /** The mesh client for Reachy kinds (the CLI connects one, or runs the simulator in-process with --sim). */
  mesh?: () => MeshClient | Promise<MeshClient>;
}

export const CONNECTOR_KINDS = ['reachy_mini', 'reachy'] as const;
export const CAMERA_KINDS = ['reachy'] as const;
export const TRANSPORT_KINDS = ['websocket', 'http', 'openpi'] as const;

const MODULE_KIND = /^((?:\.{1,2}|)\/|[A-Za-z]:[\\/]).*:[A-Za-z_$][\w$]*$|^\.{1,2}\/.*:[A-Za-z_$][\w$]*$/;

export function isModuleKind(kind: string): boolean {
  return MODULE_KIND.test(kind);
}

const wsUrl = z.string().regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL');
const timeout = z.number().min(0.01).max(3600);

const transportSchemas = {
  websocket: z
    .object({ url: wsUrl, timeout_s: timeout.default(10), connect_timeout_s: timeout.default(10), img_size: z.number().int().min(16).max(4096).optional(), jpeg_quality: z.number().int().min(1).max(100).default(80) })
    .strict(),
  http: z
    .object({ url: httpUrl, timeout_s: timeout.default(10), img_size: z.number().int().min(16).max(4096).optional(), jpeg_quality: z.number().int().min(1).max(100).default(80), headers: z.record(z.string(), z.string()).optional() })
    .strict(),
  openpi: z
    .object({
      url: wsUrl,
      timeout_s: timeout.default(10),
      connect_timeout_s: timeout.default(10),
      state_key: z.string().min(1).max(200).default('state'),
      image_keys: z.record(z.string(), z.string().min(1).max(200)).optional(),
      image_layout: z.enum(['hwc', 'chw']).default('hwc'),
      api_key: z.string().max(1000).optional(),
    })
    .strict(),
};

function check<S extends z.ZodType>(schema: S, value: unknown, prefix: string[]): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(zodIssues(r.error, prefix));
  return r.data;
}

async function loadExport(kind: string, ctx: FactoryContext, kindPath: string): Promise<unknown> {
  if (!isModuleKind(kind)) throw new ConfigError([{ path: kindPath, message: `'${kind}' is not a module path like ./my-robot.js:MyRobot` }]);
  const colon = kind.lastIndexOf(':');
  const file = kind.slice(0, colon);
  const name = kind.slice(colon + 1);
  let resolved = path.resolve(ctx.baseDir ?? process.cwd(), file);
  if (!existsSync(resolved) && /\.js$/.test(resolved) && existsSync(resolved.replace(/\.js$/, '.ts'))) resolved = resolved.replace(/\.js$/, '.ts');
  if (!existsSync(resolved)) throw new ConfigError([{ path: kindPath, message: `module ${file} not found (looked at ${resolved})` }]);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([{ path: kindPath, message: `cannot load ${file}: ${errorMessage(err)}` }]);
  }
  const exp = mod[name];
  if (typeof exp !== 'function') throw new ConfigError([{ path: kindPath, message: `${file} has no exported class or function '${name}'` }]);
  return exp;
}

async function instantiate<T>(kind: string, cfg: Record<string, unknown>, ctx: FactoryContext, kindPath: string, methods: string[], what: string): Promise<T> {
  const exp = (await loadExport(kind, ctx, kindPath)) as (new (c: unknown) => unknown) & ((c: unknown) => unknown);
  let obj: unknown;
  try {
    // A class (has a prototype with methods) is constructed; a plain function is a factory.
    obj = exp.prototype && Object.getOwnPropertyNames(exp.prototype).length > 1 ? new exp(cfg) : await exp(cfg);
  } catch (err) {
    throw new ConfigError([{ path: kindPath, message: `${kind} failed to construct: ${errorMessage(err)}` }]);
  }
  const missing = methods.filter((m) => typeof (obj as Record<string, unknown> | null)?.[m] !== 'function');
  if (missing.length) throw new ConfigError([{ path: kindPath, message: `${kind} is not a ${what}: missing method(s) ${missing.join(', ')}` }]);
  return obj as T;
}

/** Only checks a mesh is available; it is resolved at start(), so building starts nothing. */
function meshFor(ctx: FactoryContext, kindPath: string): () => MeshClient | Promise<MeshClient> {
  const m = ctx.mesh;
  if (!m) throw new ConfigError([{ path: kindPath, message: 'this kind needs a Device Connect mesh (run with --sim, or set NATS_URL / MESSAGING_URLS)' }]);
  return m;
}

export interface BuildPaths {
  /** Path prefix for error messages, e.g. ['hardware'] (default). */
  at?: string[];
}

export async function buildTransport(kind: string, cfg: Record<string, unknown>, ctx: FactoryContext = {}, at: string[] = ['target']): Promise<PolicyTransport> {
  const kindPath = [...at, 'kind'].join('.');
  switch (kind) {
    case 'websocket': {
      const c = check(transportSchemas.websocket, cfg, at);
      return new WebSocketTransport({ url: c.url, timeoutS: c.timeout_s, connectTimeoutS: c.connect_timeout_s, quality: c.jpeg_quality, ...(c.img_size ? { imgSize: c.img_size } : {}) });
    }
    case 'http': {
      const c = check(transportSchemas.http, cfg, at);
      return new HttpTransport({ url: c.url, timeoutS: c.timeout_s, quality: c.jpeg_quality, ...(c.img_size ? { imgSize: c.img_size } : {}), ...(c.headers ? { headers: c.headers } : {}) });
    }
    case 'openpi': {
      const c = check(transportSchemas.openpi, cfg, at);
      return new OpenPiTransport({
        url: c.url,
        timeoutS: c.timeout_s,
        connectTimeoutS: c.connect_timeout_s,
        stateKey: c.state_key,
        imageLayout: c.image_layout,
        ...(c.image_keys ? { imageKeys: c.image_keys } : {}),
        ...(c.api_key ? { apiKey: c.api_key } : {}),
      });
    }
    default:
      if (!isModuleKind(kind)) throw unknownKind(kindPath, kind, TRANSPORT_KINDS);
      return instantiate<PolicyTransport>(kind, cfg, ctx, kindPath, ['connect', 'infer', 'close'], 'PolicyTransport');
  }
}

export async function buildConnector(kind: string, cfg: Record<string, unknown>, ctx: FactoryContext = {}, at: string[] = ['hardware']): Promise<RobotConnector> {
  const kindPath = [...at, 'kind'].join('.');
  if (kind === 'reachy_mini' || kind === 'reachy') {
    const c = check(reachyConnectorConfig, cfg, [...at, 'config']);
    return new ReachyMiniConnector(meshFor(ctx, kindPath), c);
  }
  if (!isModuleKind(kind)) throw unknownKind(kindPath, kind, CONNECTOR_KINDS);
  return instantiate<RobotConnector>(kind, cfg, ctx, kindPath, ['start', 'getObservation', 'applyAction', 'safeStop', 'stop'], 'RobotConnector');
}

export async function buildCamera(kind: string, cfg: Record<string, unknown>, ctx: FactoryContext = {}, at: string[] = ['cameras']): Promise<CameraSource> {
  const kindPath = [...at, 'kind'].join('.');
  if (kind === 'reachy') {
    const c = check(reachyCameraConfig, cfg, at);
    return new ReachyCamera(meshFor(ctx, kindPath), c);
  }
  if (!isModuleKind(kind)) throw unknownKind(kindPath, kind, CAMERA_KINDS);
  return instantiate<CameraSource>(kind, cfg, ctx, kindPath, ['start', 'read', 'stop'], 'CameraSource');
}

function unknownKind(p: string, kind: string, allowed: readonly string[]): ConfigError {
  return new ConfigError([{ path: p, message: `unknown kind '${kind}' (allowed: ${allowed.join(', ')}, or a module path like ./my-module.js:Export)` }]);
}

/** Collects the issues of several independent builds so one run reports every bad field at once. */
export async function collect<T>(tasks: Array<() => Promise<T>>): Promise<{ values: T[]; issues: Issue[] }> {
  const values: T[] = [];
  const issues: Issue[] = [];
  for (const t of tasks) {
    try {
      values.push(await t());
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  return { values, issues };
}
