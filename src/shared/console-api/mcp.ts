/**
 * ConsoleApi methods of the MCP panel: the console-hosted bridge (start/stop/status), the exact Claude Desktop /
 * Claude Code configuration, writing that configuration (backup + atomic write), and the tool-call log.
 * Every tool call an agent makes also arrives as an `mcp_call` push.
 */
import { z } from 'zod';
import { method } from './protocol';
import { meshSettings } from './core';

export interface McpCallRecord { ts: number; tool: string; arguments: unknown; ok: boolean; summary: string; elapsedMs: number }

export interface McpBridgeStatus {
  running: boolean;
  /** Streamable HTTP endpoint of the console-hosted bridge, e.g. http://127.0.0.1:8765/mcp. */
  url?: string;
  port?: number;
  /** Allow-list patterns, null when every function is allowed. */
  allow: string[] | null;
  /** MCP sessions currently open on the console-hosted bridge. */
  sessions: number;
  /** Tool calls seen (console-hosted bridge + stdio bridges writing the console's call log). */
  calls: number;
  startedAt?: number;
  /** Supervision of the agents on the console-hosted bridge (the Agents panel). */
  supervision?: { motion: string; media: string; control: string; observe: string; askTimeoutS: number };
  /** The JSONL file that stdio bridges launched by Claude write their calls to (shown in the log). */
  callLogFile: string;
  error?: string;
}

export type McpClientKind = 'claude-desktop' | 'claude-code';

export interface McpClientConfig {
  client: McpClientKind;
  target: McpTarget;
  /** Exactly what to paste: the JSON for Claude Desktop, the shell command for Claude Code. */
  text: string;
  /** Claude Desktop: the config file this machine uses. */
  path?: string;
  /** One sentence on what the agent will reach with this configuration. */
  note: string;
}

export interface McpWriteResult {
  path: string;
  /** Copy of the previous file, null when there was none. */
  backupPath: string | null;
  serverName: string;
  /** The servers now in the file (names only). */
  servers: string[];
}

/** sim: the bridge runs its own simulated robot; mesh: the bridge joins a NATS mesh; console: the console-hosted HTTP bridge. */
export const mcpTarget = z.enum(['sim', 'mesh', 'console']);
export type McpTarget = z.infer<typeof mcpTarget>;

const allowEntry = z.string().regex(/^[A-Za-z0-9_*-]{1,128}$/, 'function names are letters, digits, _, - and *');
const serverName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (1-64)').default('reachy');

const configInput = z.object({
  client: z.enum(['claude-desktop', 'claude-code']),
  target: mcpTarget.default('sim'),
  serverName,
  /** For target mesh: the mesh to join (the console's settings). A local mesh cannot be reached from another process. */
  mesh: meshSettings.optional(),
  allow: z.array(allowEntry).max(256).optional(),
  readOnly: z.boolean().default(false),
  /** `node <abs path>/bin/reachy-console.mjs` (exact for this machine) or `npx reachy-console`. */
  launcher: z.enum(['node', 'npx']).default('node'),
});

export const mcpMethods = {
  mcpStatus: method<McpBridgeStatus>()('Status of the console-hosted MCP bridge and the tool-call log.', z.object({})),
  mcpStart: method<McpBridgeStatus>()(
    'Start the console-hosted MCP bridge (Streamable HTTP on 127.0.0.1) on the console mesh.',
    z.object({
      port: z.number().int().min(0).max(65535).default(0),
      allow: z.array(allowEntry).max(256).optional(),
      readOnly: z.boolean().default(false),
      /** Per function class (from labels); a console-hosted bridge asks for motion and control unless told. */
      motion: z.enum(['allow', 'ask', 'deny']).default('ask'),
      media: z.enum(['allow', 'ask', 'deny']).default('allow'),
      control: z.enum(['allow', 'ask', 'deny']).default('ask'),
      observe: z.enum(['allow', 'ask', 'deny']).default('allow'),
      /** How long the operator has to answer a pending call before it is denied. */
      askTimeoutS: z.number().min(1).max(3600).default(60),
    }),
  ),
  mcpStop: method<McpBridgeStatus>()('Stop the console-hosted MCP bridge.', z.object({})),
  mcpClientConfig: method<McpClientConfig>()('The exact Claude Desktop / Claude Code configuration for this machine.', configInput),
  mcpWriteClientConfig: method<McpWriteResult>()(
    'Write the bridge into the Claude Desktop config file (previous file backed up; atomic write).',
    configInput.extend({
      client: z.literal('claude-desktop').default('claude-desktop'),
      /**
       * Defaults to this OS user's Claude Desktop config file (the only path accepted as text); a file chosen in the
       * desktop app's dialog is passed as the token mcpChooseClientConfigFile returned.
       */
      path: z
        .string()
        .min(1)
        .max(4096)
        .regex(/(^|[\\/])claude_desktop_config\.json$|^picked:[A-Za-z0-9_-]{24}$/, 'must be the Claude Desktop config path or a token from "Choose file…"')
        .optional(),
    }),
  ),
  mcpChooseClientConfigFile: method<{ token: string; path: string } | null>()(
    'Desktop app only: the native Save dialog for the Claude Desktop config; returns a token for mcpWriteClientConfig (null when cancelled).',
    z.object({}),
  ),
  mcpCallLog: method<McpCallRecord[]>()(
    'Recent MCP tool calls, oldest first.',
    z.object({ limit: z.number().int().min(1).max(1000).default(200) }),
  ),
  mcpClearCallLog: method<{ ok: true }>()('Clear the tool-call log.', z.object({})),
};
