/**
 * The console-hosted bridge: the same tools over MCP Streamable HTTP on 127.0.0.1 (one McpServer per session),
 * so an agent can use the console's own mesh connection while the console shows its calls. Like the console itself
 * it needs a token made fresh at every start, so another local process cannot drive the robot through it: in the
 * URL's path (`/mcp/<token>`, what the configuration the console shows uses: no character a shell would expand),
 * or `Authorization: Bearer <token>` / `?token=<token>` on `/mcp`.
 * DNS-rebinding protection is on: only Host 127.0.0.1:<port> / localhost:<port> is accepted.
 */
import { errorMessage } from '../../shared/errors';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log';
import { listenOrExplain } from '../listen-error';
import { createBridgeServer } from './server';
import type { BridgeServer } from './server';
import type { BridgeTools } from './tools';

export interface HttpBridgeOptions {
  tools: BridgeTools;
  logger: Logger;
  port?: number;
  /** The access token (default: random, fresh at every start). */
  token?: string;
}

export interface HttpBridgeHandle {
  /** The endpoint with its token: `http://127.0.0.1:<port>/mcp/<token>` (what MCP client configurations use). */
  readonly url: string;
  /** The endpoint without the token, for clients that send `Authorization: Bearer <token>` instead. */
  readonly endpoint: string;
  readonly token: string;
  readonly port: number;
  sessions(): number;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJsonError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: in the path (`/mcp/<token>`), else the bearer header, else `?token=`. */
function requestToken(req: IncomingMessage, path: string): string | null {
  if (path.startsWith('/mcp/')) return path.slice('/mcp/'.length);
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : null;
  }
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
  } catch {
    return null;
  }
}

export async function startHttpBridge({ tools, logger, port = 0, token: givenToken }: HttpBridgeOptions): Promise<HttpBridgeHandle> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: BridgeServer }>();
  let allowedHosts: string[] = [];
  const token = givenToken ?? randomBytes(24).toString('base64url');
  if (token.length < 16 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('the MCP bridge token must be at least 16 URL-safe characters');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp' && !path.startsWith('/mcp/')) return sendJsonError(res, 404, 'not found: the MCP endpoint is /mcp/<token>');
    if (!tokenMatches(requestToken(req, path), token)) {
      res.setHeader('www-authenticate', 'Bearer realm="reachy-console MCP bridge"');
      return sendJsonError(
        res,
        401,
        'missing or wrong token: use the URL the console shows (…/mcp/<token>) or send Authorization: Bearer <token> to /mcp',
      );
    }
    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    if (sessionId) {
      const s = sessions.get(sessionId);
      if (!s) return sendJsonError(res, 404, 'unknown MCP session (the bridge restarted?); initialize again');
      return s.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return sendJsonError(res, 400, 'missing mcp-session-id header');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      return sendJsonError(res, 400, `request body is not JSON: ${errorMessage(err)}`);
    }
    if (!isInitializeRequest(body)) return sendJsonError(res, 400, 'the first request of a session must be initialize');
    const server = createBridgeServer({ tools, logger });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
        logger.info(`MCP session ${id.slice(0, 8)} opened (${sessions.size} open)`);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && sessions.delete(id)) logger.info(`MCP session ${id.slice(0, 8)} closed`);
      server.dispose();
    };
    await server.mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn(`MCP HTTP request failed: ${errorMessage(err)}`);
      sendJsonError(res, 500, 'internal error');
    });
  });
  const listen = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  await listenOrExplain(listen, { port, host: '127.0.0.1', change: "mcpStart's port" });
  const actual = (http.address() as AddressInfo).port;
  allowedHosts = [`127.0.0.1:${actual}`, `localhost:${actual}`];
  const endpoint = `http://127.0.0.1:${actual}/mcp`;
  logger.info(`MCP bridge listening on ${endpoint} (token required)`);

  return {
    url: `${endpoint}/${token}`,
    endpoint,
    token,
    port: actual,
    sessions: () => sessions.size,
    close: async () => {
      for (const { transport } of [...sessions.values()]) await transport.close().catch(() => undefined);
      sessions.clear();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
