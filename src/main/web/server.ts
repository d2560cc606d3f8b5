/**
 * Browser mode: serves the built renderer and carries the ConsoleApi over a WebSocket at /api. A random access token
 * is made per start and must be in the WebSocket URL (`/api?token=...`); without it the upgrade is refused, so other
 * users of the machine (or web pages in the operator's browser) cannot drive the robot. Binds 127.0.0.1 by default.
 */
import { errorMessage } from '../../shared/errors';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConsolePush, ReplyFrame } from '../../shared/console-api';
import type { ConsoleSession } from '../service';
import { createLogger, type Logger } from '../log';
import { Outbox, type BackpressureOptions, type OutboxStats } from './outbox';
import { buildCsp, pageHeaders, resolveAsset, signallingSources } from './static';

export interface SessionFactory {
  openSession(send: (p: ConsolePush) => void): ConsoleSession;
}

export interface WebServerOptions {
  host: SessionFactory;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
  port?: number;
  bindHost?: string;
  /** Fixed token (tests); default: 24 random bytes, base64url. */
  token?: string;
  logger?: Logger;
  /** Max request frame size in bytes (default 1 MiB). */
  maxPayload?: number;
  /** Slow-reader limits per connection (see outbox.ts). */
  backpressure?: Partial<BackpressureOptions>;
  /** Requests one connection may have unanswered at once (default 64). */
  maxInFlight?: number;
  /** WebSocket endpoints the page may open besides its own origin, read per page load (default: loopback signalling). */
  connectSrc?: () => string[];
}

export interface ConnectionStats extends OutboxStats {
  session: number;
  inFlight: number;
}

export interface WebServer {
  readonly port: number;
  readonly token: string;
  /** The URL to open, token included. */
  readonly url: string;
  /** Per open connection: held frames, unsent bytes, requests in flight. */
  connections(): ConnectionStats[];
  close(): Promise<void>;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Same-origin check against the Host header: a page from another origin cannot open the socket even with a token. */
function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (tests, scripts) send none; the token still applies
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const logger = opts.logger ?? createLogger('web');
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const root = resolve(opts.staticDir);
  const bindHost = opts.bindHost ?? '127.0.0.1';

  const serveStatic = (req: IncomingMessage, res: ServerResponse): void => {
    let connect: string[];
    try {
      connect = opts.connectSrc?.() ?? signallingSources();
    } catch {
      connect = signallingSources();
    }
    const headers = pageHeaders(buildCsp({ connectSrc: connect }));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end('method not allowed');
      return;
    }
    let rawPath: string;
    try {
      rawPath = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      res.writeHead(400, headers).end('bad path');
      return;
    }
    const asset = resolveAsset(rawPath, root);
    if (!asset.ok) {
      if (asset.status === 404 && (rawPath === '/' || rawPath === '/index.html')) {
        res
          .writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
          .end('The console UI is not built yet: run `npm run build:renderer` (npm start does this for you).\n');
      } else {
        res.writeHead(asset.status, headers).end(asset.status === 400 ? 'bad path' : 'not found');
      }
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': asset.contentType });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(asset.file));
  };

  const server = createServer(serveStatic);
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  const live = new Map<WebSocket, { session: number; outbox: Outbox; inFlight: () => number }>();
  const maxInFlight = opts.maxInFlight ?? 64;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, why: string): void => {
      logger.warn(`refused a console connection: ${why}`);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://x');
    } catch {
      refuse(404, 'bad URL');
      return;
    }
    if (url.pathname !== '/api') return refuse(404, `unknown path ${url.pathname}`);
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse(401, 'missing or wrong access token');
    if (!originAllowed(req)) return refuse(403, `foreign origin ${req.headers.origin ?? ''}`);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const outbox = new Outbox(
      {
        bufferedAmount: () => ws.bufferedAmount,
        send: (text, written) => {
          if (ws.readyState === ws.OPEN) ws.send(text, () => written());
        },
        close: (code, reason) => {
          logger.warn(`closing a console connection: ${reason}`);
          // A reader that does not read would never receive the close frame: drop the socket and its buffers now.
          if (ws.bufferedAmount > 0) ws.terminate();
          else ws.close(code, reason.slice(0, 120));
        },
      },
      opts.backpressure,
    );
    let inFlight = 0;
    const reply = (frame: ReplyFrame): void => outbox.reply(frame);
    const session = opts.host.openSession((p) => outbox.push(p));
    live.set(ws, { session: session.id, outbox, inFlight: () => inFlight });
    logger.info(`console UI connected (session ${session.id})`);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        reply({ id: null, ok: false, error: { code: 'bad_request', message: 'malformed request: binary frames are not accepted' } });
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        reply({ id: null, ok: false, error: { code: 'bad_request', message: 'malformed request: not JSON' } });
        return;
      }
      if (inFlight >= maxInFlight) {
        const id = typeof (raw as { id?: unknown } | null)?.id === 'number' ? (raw as { id: number }).id : null;
        reply({ id: id !== null && Number.isInteger(id) && id >= 0 ? id : null, ok: false, error: { code: 'unavailable', message: `too many requests in flight on this connection (max ${maxInFlight}); wait for replies` } });
        return;
      }
      inFlight++;
      session
        .handle(raw)
        .then(reply, (err: unknown) => reply({ id: null, ok: false, error: { code: 'internal', message: errorMessage(err) } }))
        .finally(() => inFlight--);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      live.delete(ws);
      outbox.dispose();
      session.close();
      logger.info(`console UI disconnected (session ${session.id})`);
    });
    ws.on('error', () => undefined);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const url = `http://${shownHost}:${port}/?token=${token}`;

  return {
    port,
    token,
    url,
    connections: () => [...live.values()].map((c) => ({ session: c.session, inFlight: c.inFlight(), ...c.outbox.stats() })),
    async close() {
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
