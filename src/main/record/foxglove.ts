/**
 * The live Foxglove bridge: the same channels as a recording (state, transforms, camera, events, invokes, logs),
 * served with the Foxglove WebSocket protocol so Foxglove Studio connects to a running robot or the simulator.
 *
 * Read-only by construction: no client publishing, services or parameters are offered, so nothing a client sends
 * reaches a robot. It listens on loopback unless told otherwise; browsers may connect only from allowed origins
 * (a web page must not be able to watch the robot's camera), and on loopback the Host header must be a loopback
 * name (DNS rebinding).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { createLogger, type Logger } from '../log';
import { DEFAULT_FOXGLOVE_PORT } from '../../shared/ports';
import { topics, type ChannelSpec } from './channels';
import { msToNs } from './mcap-file';
import { MeshTap, type TapOptions } from './tap';

// The package's ESM build is not marked as ESM for Node, so Node only sees its CommonJS build: load that one.
const { FoxgloveServer } = createRequire(import.meta.url)('@foxglove/ws-protocol') as typeof import('@foxglove/ws-protocol');

/** Foxglove Studio's web app; the desktop app and command-line clients send no Origin. */
export const DEFAULT_ALLOWED_ORIGINS = ['https://app.foxglove.dev'];

export interface FoxgloveBridgeOptions extends TapOptions {
  host?: string;
  /** 0 = any free port. Default DEFAULT_FOXGLOVE_PORT. */
  port?: number;
  allowedOrigins?: string[];
}

export interface FoxgloveBridge {
  readonly url: string;
  readonly port: number;
  /** Topics advertised so far. */
  topics(): string[];
  clientCount(): number;
  close(): Promise<void>;
}

export const isLoopbackHost = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost';

function hostAllowed(req: IncomingMessage): boolean {
  const raw = req.headers.host ?? '';
  const name = raw.startsWith('[') ? raw.slice(1, raw.indexOf(']')) : raw.split(':')[0];
  return isLoopbackHost(name);
}

export async function startFoxgloveBridge(opts: FoxgloveBridgeOptions): Promise<FoxgloveBridge> {
  const log: Logger = opts.logger ?? createLogger('foxglove');
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  const origins = new Set(opts.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS);
  const server = new FoxgloveServer({ name: 'reachy-console', capabilities: [], metadata: { read_only: 'true' } });
  const channelIds = new Map<string, number>();
  const subscribed = new Set<number>();
  server.on('subscribe', (id) => subscribed.add(id));
  server.on('unsubscribe', (id) => subscribed.delete(id));
  server.on('error', (err) => log.warn(`foxglove: ${err.message}`));

  const channel = (spec: ChannelSpec): number => {
    let id = channelIds.get(spec.topic);
    if (id === undefined) {
      id = server.addChannel({ topic: spec.topic, encoding: 'json', schemaName: spec.schemaName, schema: JSON.stringify(spec.schema), schemaEncoding: 'jsonschema' });
      channelIds.set(spec.topic, id);
    }
    return id;
  };
  const enc = new TextEncoder();
  const tap = new MeshTap(opts, (spec, message) => {
    const id = channel(spec);
    // Nobody watching: not even encoded.
    if (!subscribed.has(id)) return false;
    const value: unknown = typeof message === 'function' ? (message as () => unknown)() : message;
    server.sendMessage(id, msToNs(Date.now()), enc.encode(JSON.stringify(value)));
    return true;
  });
  // A frame is grabbed only while someone watches that camera.
  tap.wantFrame = (deviceId) => {
    const id = channelIds.get(topics.camera(deviceId).topic);
    return id !== undefined && subscribed.has(id);
  };
  // Advertise the channels a client expects at once; event channels appear with their first event.
  if (opts.devices !== 'all') {
    for (const d of opts.devices) {
      channel(topics.state(d));
      channel(topics.invoke(d));
      if ((opts.videoFps ?? 0) > 0) channel(topics.camera(d));
    }
  }
  channel(topics.tf());
  channel(topics.log());

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('Foxglove WebSocket bridge: connect with Foxglove Studio (ws://).\n');
  });
  const wss = new WebSocketServer({
    server: http,
    handleProtocols: (protocols) => server.handleProtocols(protocols),
    verifyClient: ({ req, origin }: { req: IncomingMessage; origin: string }) => {
      if (loopback && !hostAllowed(req)) return false;
      return !origin || origins.has(origin);
    },
  });
  wss.on('connection', (ws, req) => {
    const name = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    log.info(`client ${name} connected`);
    server.handleConnection(ws, name);
    ws.on('close', () => log.info(`client ${name} left`));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? DEFAULT_FOXGLOVE_PORT, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  tap.start();
  const port = (http.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${shownHost}:${port}`,
    port,
    topics: () => [...channelIds.keys()],
    clientCount: () => wss.clients.size,
    close: async () => {
      tap.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
