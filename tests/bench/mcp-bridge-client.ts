/** Shared by B7/B8: spawns `reachy-console mcp` on stdio against a NATS URL and returns an SDK MCP client. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface BridgeClient {
  call(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function spawnBridge(natsUrl: string, extraEnv: Record<string, string> = {}): Promise<BridgeClient> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['bin/reachy-console.mjs', 'mcp'],
      cwd: ROOT,
      stderr: 'ignore',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NATS_URL: natsUrl,
        DEVICE_CONNECT_ALLOW_INSECURE: 'true',
        DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
        // Tool-call log lines cost a stderr write each; keep them out of the measurement.
        REACHY_MINI_DRIVER_LOG_LEVEL: 'warn',
        ...extraEnv,
      },
    }),
  );
  return {
    call: async (name, args = {}) => ((await client.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text,
    close: () => client.close(),
  };
}
