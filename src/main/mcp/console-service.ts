/**
 * The console's `mcp` method group (docs/ARCHITECTURE.md): start/stop the console-hosted bridge on the console's mesh,
 * show and write the Claude configuration, and keep the tool-call log (console-hosted calls + calls of stdio
 * bridges that Claude launched with `--call-log <dataDir>/mcp-calls.jsonl`), pushed live as `mcp_call`.
 */
import { errorMessage } from '../../shared/errors';
import { join } from 'node:path';
import type { ConsoleService, ConsoleServiceContext } from '../service';
import type { agentsMethods } from '../../shared/console-api/agents';
import type { McpBridgeStatus, McpCallRecord, mcpMethods } from '../../shared/console-api/mcp';
import { ConsoleApiError } from '../../shared/console-api/protocol';
import { allowListFromFlags } from './allow-list';
import { CallLog, tailCallLog } from './call-log';
import { clientConfigText, pickClientConfigPath, serverEntry, writeClientConfig } from './client-config';
import type { ConfigRequest } from './client-config';
import { startHttpBridge } from './http-host';
import type { HttpBridgeHandle } from './http-host';
import { BridgeTools } from './tools';
import { agentsHandlers } from './agents-service';
import { CONSOLE_DEFAULTS, Policy, policyFileSchema } from './policy';
import { Supervisor } from './supervisor';

export const CALL_LOG_FILENAME = 'mcp-calls.jsonl';

export function createMcpService(ctx: ConsoleServiceContext): ConsoleService<typeof mcpMethods & typeof agentsMethods> {
  const logger = ctx.logger.child('mcp');
  const log = new CallLog();
  const callLogFile = join(ctx.dataDir, CALL_LOG_FILENAME);
  let bridge: {
    http: HttpBridgeHandle;
    tools: BridgeTools;
    allow: string[] | null;
    startedAt: number;
    supervisor: Supervisor;
    supervision: NonNullable<McpBridgeStatus['supervision']>;
  } | null = null;
  let lastError: string | undefined;

  const push = (call: McpCallRecord): void => ctx.push({ type: 'mcp_call', call });
  log.onRecord(push);
  const stopTail = tailCallLog(callLogFile, (r) => log.add(r));

  const status = (): McpBridgeStatus => ({
    running: bridge !== null,
    url: bridge?.http.url,
    port: bridge?.http.port,
    allow: bridge?.allow ?? null,
    sessions: bridge?.http.sessions() ?? 0,
    calls: log.count(),
    startedAt: bridge?.startedAt,
    supervision: bridge?.supervision,
    callLogFile,
    error: lastError,
  });

  const stop = async (): Promise<void> => {
    const b = bridge;
    bridge = null;
    if (!b) return;
    await b.http.close();
    b.supervisor.close();
    b.tools.close();
    logger.info('console-hosted MCP bridge stopped');
  };

  type Input = { [K in keyof typeof mcpMethods]: import('zod').output<(typeof mcpMethods)[K]['input']> };

  const configRequest = (input: Input['mcpClientConfig']): ConfigRequest => ({
    client: input.client,
    target: input.target,
    serverName: input.serverName,
    mesh: input.mesh,
    allow: input.allow,
    readOnly: input.readOnly,
    launcher: input.launcher,
    consoleUrl: bridge?.http.url,
    callLogFile,
  });

  return {
    handlers: {
      ...agentsHandlers(() => bridge?.supervisor ?? null),
      mcpStatus: async () => status(),
      mcpStart: async (input) => {
        if (bridge) return status();
        const allow = allowListFromFlags(input.allow?.join(','), input.readOnly);
        // Fail early and readably when the console has no mesh yet.
        ctx.mesh();
        // Panoramas the operator scans in the console (`<dataDir>/panorama`) are what agents see.
        // A bridge the console hosts is supervised: the operator answers its agents' motion calls (default ask).
        const supervision = { motion: input.motion, media: input.media, control: input.control, observe: input.observe, askTimeoutS: input.askTimeoutS };
        const policy = new Policy(policyFileSchema.parse({ ask_timeout_s: input.askTimeoutS }), CONSOLE_DEFAULTS, {
          motion: input.motion,
          media: input.media,
          control: input.control,
          observe: input.observe,
        });
        let tools: BridgeTools | null = null;
        const supervisor = new Supervisor({
          policy,
          logger: logger.child('agents'),
          mesh: () => ctx.mesh(),
          consoleAttached: true,
          catalogue: async (id) => (await tools?.findDevice(id))?.functions ?? [],
        });
        supervisor.onPush((update) => ctx.push({ type: 'agents', update }));
        tools = new BridgeTools({ mesh: () => ctx.mesh(), logger, allow, supervisor, panoramaDir: join(ctx.dataDir, 'panorama'), onCall: (r) => log.add(r) });
        try {
          const http = await startHttpBridge({ tools, logger, port: input.port });
          // Shown as the names it allows plus the labels that allow more (read-only: access=read; a stop always).
          const shown = allow ? [...allow.patterns, ...(allow.readOnly ? ['access=read'] : []), 'stop'] : null;
          bridge = { http, tools, allow: shown, startedAt: Date.now(), supervisor, supervision };
          lastError = undefined;
        } catch (err) {
          supervisor.close();
          tools.close();
          lastError = `could not start the MCP bridge: ${errorMessage(err)}`;
          throw new Error(lastError, { cause: err });
        }
        return status();
      },
      mcpStop: async () => {
        await stop();
        return status();
      },
      mcpClientConfig: async (input) => {
        const out = clientConfigText(configRequest(input));
        return { client: input.client, target: input.target, ...out };
      },
      mcpWriteClientConfig: async (input) => {
        const req = configRequest(input);
        const entry =
          req.target === 'console'
            ? (() => {
                if (!req.consoleUrl) throw new Error('start the console-hosted bridge first to get its URL');
                return { command: 'npx', args: ['-y', 'mcp-remote', req.consoleUrl] };
              })()
            : serverEntry(req);
        // Only this user's Claude Desktop config, or a file chosen in the desktop app's dialog (by token).
        const result = await writeClientConfig(input.path, input.serverName, entry);
        logger.info(`wrote MCP server '${input.serverName}' into ${result.path}${result.backupPath ? ` (backup ${result.backupPath})` : ''}`);
        return result;
      },
      mcpChooseClientConfigFile: async () => {
        try {
          return await pickClientConfigPath();
        } catch (err) {
          throw new ConsoleApiError({ code: 'unavailable', message: errorMessage(err) });
        }
      },
      mcpCallLog: async (input) => log.recent(input.limit),
      mcpClearCallLog: async () => {
        log.clear();
        return { ok: true as const };
      },
    },
    close: async () => {
      stopTail();
      await stop();
    },
  };
}
