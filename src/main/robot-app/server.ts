/**
 * The settings page and API on :8842 (the prior app's routes, plus status and restart). Unlike the prior app it is
 * not open to the LAN: every /api route but health needs the token (Authorization: Bearer), the Host header must
 * name this machine (no DNS rebinding), a browser Origin must be this page's own, and bodies are size-limited.
 */
import { errorMessage } from '../../shared/errors';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../log';
import { parseCredentialsText } from '../mesh';
import { summarizeCredentials } from './resolve';
import {
  credentialsDir,
  DEFAULT_SETTINGS,
  effectiveSettings,
  readSettingsFile,
  saveSettings,
  SettingsError,
  settingsPatchSchema,
  writeFileAtomic,
  zodFieldErrors,
  type Env,
  type FieldError,
} from './settings';
import type { DriverSupervisor } from './supervisor';
import { tokenMatches } from './token';
import { credentialsPathFor, validateSettings } from './validate';

export const JSON_BODY_MAX = 64 * 1024;
export const CREDENTIALS_MAX = 256 * 1024;
const UPLOAD_BODY_MAX = CREDENTIALS_MAX + 16 * 1024;
const ALLOWED_SUFFIXES = ['.json', '.creds'];
const CREDS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RobotAppServerOptions {
  settingsPath: string;
  env: Env;
  supervisor: DriverSupervisor;
  token: string;
  staticDir: string;
  port: number;
  bindHost: string;
  /** Extra names the Host header may carry (a DNS name pointing at the robot). */
  allowedHosts?: string[];
  logger?: Logger;
  validateTimeoutMs?: number;
}

export interface RobotAppServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

function localNames(extra: string[]): Set<string> {
  const names = new Set<string>(['localhost', '127.0.0.1', '[::1]']);
  const h = hostname().toLowerCase();
  names.add(h);
  if (!h.endsWith('.local')) names.add(`${h}.local`);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address.split('%')[0].toLowerCase()}]` : a.address);
  }
  for (const e of extra) names.add(e.trim().toLowerCase());
  return names;
}

/** `Host` must be one of this machine's names or addresses with our port: a rebinding domain is refused. */
function hostAllowed(hostHeader: string | undefined, names: Set<string>, port: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!m) return false;
  const p = m[2] === undefined ? 80 : Number(m[2]);
  return p === port && names.has(m[1]);
}

function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser (curl, the dashboard); the token still applies
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && u.host === req.headers.host?.toLowerCase();
  } catch {
    return false; // includes "null" (sandboxed frames, file://)
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(new HttpError(413, `body too large: ${declared} bytes (max ${max})`));
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, `body too large (max ${max} bytes)`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !failed && resolvePromise(Buffer.concat(chunks)));
    req.on('error', (e) => !failed && reject(e));
  });
}

async function readJson(req: IncomingMessage, allowEmpty: boolean): Promise<unknown> {
  const ct = String(req.headers['content-type'] ?? '');
  const body = await readBody(req, JSON_BODY_MAX);
  if (body.length === 0 && allowEmpty) return undefined;
  // Only JSON: a cross-site HTML form cannot send it without a CORS preflight.
  if (!/^application\/json\b/i.test(ct)) throw new HttpError(415, 'send Content-Type: application/json');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

export async function startRobotAppServer(o: RobotAppServerOptions): Promise<RobotAppServer> {
  const log = o.logger ?? createLogger('app/http');
  const root = resolve(o.staticDir);
  let port = o.port;
  let names = localNames(o.allowedHosts ?? []);

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };

  const settingsView = () => {
    const doc = readSettingsFile(o.settingsPath);
    const eff = effectiveSettings(doc, o.env);
    return {
      settings: doc.fields,
      effective: eff.fields,
      overridden: eff.overridden,
      errors: eff.errors,
      defaults: DEFAULT_SETTINGS,
      file: o.settingsPath,
      file_exists: doc.exists,
      kept_keys: Object.keys(doc.extra),
      credentials: summarizeCredentials(credentialsPathFor(eff)),
    };
  };

  const reload = (why: string): void => {
    o.supervisor.reload(why).catch((e: unknown) => log.error(`driver reload: ${errorMessage(e)}`));
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    if (route === 'GET /api/health') return send(res, 200, { status: 'ok', service: 'reachy_console_app' });
    const auth = String(req.headers.authorization ?? '');
    const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (!tokenMatches(given, o.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, 401, { error: 'missing or wrong token: open the URL printed by `reachy-console app` (or `reachy-console app --print-token`)' });
    }
    switch (route) {
      case 'GET /api/settings':
        return send(res, 200, settingsView());
      case 'PUT /api/settings': {
        const body = await readJson(req, false);
        try {
          saveSettings(o.settingsPath, body);
        } catch (e) {
          if (e instanceof SettingsError) throw new HttpError(422, e.message, e.errors);
          throw e;
        }
        log.info('settings saved');
        reload('settings changed');
        return send(res, 200, { saved: true, ...settingsView() });
      }
      case 'POST /api/validate': {
        const body = await readJson(req, true);
        const patch = settingsPatchSchema.safeParse(body ?? {});
        if (!patch.success) {
          const errors = zodFieldErrors(patch.error);
          throw new HttpError(422, errors.map((e) => e.message).join('; '), errors);
        }
        const doc = readSettingsFile(o.settingsPath);
        doc.fields = { ...doc.fields, ...patch.data };
        const result = await validateSettings(effectiveSettings(doc, o.env), o.validateTimeoutMs);
        return send(res, 200, result);
      }
      case 'POST /api/credentials/upload':
        return send(res, 200, await upload(req));
      case 'GET /api/status':
        return send(res, 200, { driver: o.supervisor.status(), settings_file: o.settingsPath });
      case 'POST /api/driver/restart':
        await readBody(req, JSON_BODY_MAX);
        reload('restart asked');
        return send(res, 202, { restarting: true });
      default: {
        const known = ['/api/settings', '/api/validate', '/api/credentials/upload', '/api/status', '/api/driver/restart', '/api/health'];
        throw new HttpError(known.includes(path) ? 405 : 404, known.includes(path) ? `${method} not allowed on ${path}` : `no such route ${path}`);
      }
    }
  };

  const upload = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const ct = String(req.headers['content-type'] ?? '');
    if (!/^multipart\/form-data\b/i.test(ct)) throw new HttpError(415, 'send multipart/form-data with the file in a "file" field');
    const body = await readBody(req, UPLOAD_BODY_MAX);
    let form: FormData;
    try {
      form = await new Request('http://upload.invalid/', { method: 'POST', headers: { 'content-type': ct }, body: new Uint8Array(body) }).formData();
    } catch {
      throw new HttpError(400, 'malformed multipart body');
    }
    const file = form.get('file');
    if (!(file instanceof File)) throw new HttpError(422, 'file: missing (a "file" field with the credentials file)', [{ field: 'file', message: 'file: missing' }]);
    const name = file.name;
    // Basename only, and nothing a shell or a path could misread: refused, not silently rewritten.
    if (!CREDS_NAME.test(name) || name.includes('..')) {
      throw new HttpError(422, `file name '${name.slice(0, 80)}' is not allowed: a plain name (letters, digits, '.', '_', '-'; no folders)`, [
        { field: 'file', message: 'file name must be a plain name without folders' },
      ]);
    }
    const suffix = name.slice(name.lastIndexOf('.')).toLowerCase();
    if (!ALLOWED_SUFFIXES.includes(suffix)) {
      throw new HttpError(422, `file '${name}': credentials must be a .json or .creds file`, [{ field: 'file', message: 'allowed types: .json, .creds' }]);
    }
    if (file.size > CREDENTIALS_MAX) throw new HttpError(413, `file '${name}' is ${file.size} bytes (max ${CREDENTIALS_MAX})`);
    const data = Buffer.from(await file.arrayBuffer());
    try {
      parseCredentialsText(name, data.toString('utf8'));
    } catch (e) {
      throw new HttpError(422, errorMessage(e), [{ field: 'file', message: errorMessage(e) }]);
    }
    const dir = credentialsDir(o.settingsPath);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const dest = join(dir, name);
    writeFileAtomic(dest, data, 0o600);
    saveSettings(o.settingsPath, { nats_credentials_file: dest });
    log.info(`credentials uploaded (${name}, ${data.length} bytes)`);
    reload('credentials uploaded');
    const view = settingsView();
    return { ok: true, path: dest, ...view, credentials: summarizeCredentials(dest) };
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): void => {
    const headers = { ...BASE_HEADERS, 'Content-Security-Policy': CSP };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end('method not allowed');
      return;
    }
    if (pathname === '/' || pathname === '') pathname = '/index.html';
    const file = normalize(join(root, pathname));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (pathname === '/index.html') {
        res.writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('The settings page is not built: run `npm run build:renderer` in the package folder. The API works.\n');
      } else res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, names, port)) {
      send(res, 403, { error: `Host '${String(req.headers.host ?? '').slice(0, 100)}' is not this robot: open the page by its IP address or host name (or start the app with --allowed-host)` });
      req.resume();
      return;
    }
    if (!originAllowed(req)) {
      send(res, 403, { error: 'requests from another origin are refused' });
      req.resume();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      send(res, 400, { error: 'bad path' });
      return;
    }
    if (pathname !== '/api' && !pathname.startsWith('/api/')) return serveStatic(req, res, pathname);
    api(req, res, pathname).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (e.status === 413) res.setHeader('Connection', 'close');
        send(res, e.status, { error: e.message, errors: e.errors });
        if (e.status === 413) req.resume();
        return;
      }
      log.error(`${req.method} ${pathname}: ${errorMessage(e)}`);
      send(res, 500, { error: errorMessage(e) });
    });
  };

  const server: Server = createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port, o.bindHost, () => {
      server.off('error', rej);
      res();
    });
  });
  port = (server.address() as AddressInfo).port;
  names = localNames(o.allowedHosts ?? []);
  const shownHost = o.bindHost === '0.0.0.0' || o.bindHost === '::' ? hostname() : o.bindHost;
  return {
    port,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
