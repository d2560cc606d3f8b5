/**
 * Runs the bridge on stdio: the process's stdout carries only MCP frames (logs go to stderr through log.ts, and
 * stray console.log output from libraries is redirected to stderr too). Resolves when the client closes stdin or
 * the process is asked to stop.
 */
import { format } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '../log';
import { createBridgeServer } from './server';
import type { BridgeTools } from './tools';

/** Keeps stdout clean for MCP frames whatever a dependency prints. */
export function guardStdout(): void {
  const toStderr = (...args: unknown[]): void => {
    process.stderr.write(format(...args) + '\n');
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

export async function serveStdio(tools: BridgeTools, logger: Logger, agent?: string): Promise<void> {
  const server = createBridgeServer({ tools, logger, agent });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.mcp.connect(transport);
  logger.info(
    'MCP bridge ready on stdio (describe_fleet, list_devices, get_device_functions, invoke_device, wait_for_event; ' +
      'prompts look_around, check_robot; resources panorama://latest, devices://{id}/functions, events://devices/{id}/latest)',
  );
  await closed;
  server.dispose();
  await server.mcp.close().catch(() => undefined);
}
