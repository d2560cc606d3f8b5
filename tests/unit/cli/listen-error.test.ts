/** The shared "cannot listen" line: port and flag named, one line, also for the console-hosted MCP bridge. */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenError, listenFailureLine, listenOrExplain } from '../../../src/main/listen-error';
import { startHttpBridge } from '../../../src/main/mcp/http-host';
import type { BridgeTools } from '../../../src/main/mcp/tools';
import { createLogger } from '../../../src/main/log';
import { errorMessage } from '../../../src/shared/errors';

let taken: Server;
let port = 0;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => taken.close(() => r())));

const errnoError = (code: string, message: string) => Object.assign(new Error(message), { code, syscall: 'listen' });

describe('listen failures', () => {
  it('turns each kind into one line naming the port and how to change it', () => {
    const t = { port: 80, host: '127.0.0.1', change: '--port <n>' };
    expect(listenFailureLine(errnoError('EADDRINUSE', 'listen EADDRINUSE: address already in use'), t)).toBe(
      'port 80 on 127.0.0.1 is already in use (another program, or this one started twice); choose another with --port <n> (0 = any free port)',
    );
    expect(listenFailureLine(errnoError('EACCES', 'listen EACCES'), t)).toMatch(/^no permission to listen on 127\.0\.0\.1:80 .*--port <n>$/);
    expect(listenFailureLine(errnoError('EADDRNOTAVAIL', 'x'), { ...t, host: '10.9.9.9' })).toBe('cannot listen on 10.9.9.9:80: 10.9.9.9 is not an address of this machine');
    expect(listenFailureLine(Object.assign(new Error('getaddrinfo ENOTFOUND nohost.invalid'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' }), { ...t, host: 'nohost.invalid' })).toBe(
      'cannot listen on nohost.invalid:80: the name nohost.invalid does not resolve to an address',
    );
    expect(listenFailureLine(new Error('weird\nthing\n   at x'), t)).toBe('cannot listen on 127.0.0.1:80: weird thing at x');
  });

  it('leaves errors that are not about the port alone', async () => {
    const other = new Error('scene file missing');
    await expect(listenOrExplain(() => Promise.reject(other), { port: 1, host: 'h', change: '--port <n>' })).rejects.toBe(other);
  });

  it("the console's MCP HTTP bridge on a taken port says so in one line", async () => {
    const err = await startHttpBridge({ tools: {} as unknown as BridgeTools, logger: createLogger('test'), port }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ListenError);
    expect(errorMessage(err)).toBe(
      `port ${port} on 127.0.0.1 is already in use (another program, or this one started twice); choose another with mcpStart's port (0 = any free port)`,
    );
  });
});
