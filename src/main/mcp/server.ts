/**
 * The MCP face of the bridge: registers the five tools (zod input schemas -> JSON Schema in tools/list), the
 * `events://devices/{device_id}/latest` resource template, and resources/subscribe with
 * notifications/resources/updated. One McpServer per MCP session; all sessions may share one BridgeTools.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../shared/wire';
import type { Logger } from '../log';
import type { BridgeTools } from './tools';

export const SERVER_NAME = 'Device Connect Bridge';
export const SERVER_VERSION = '0.1.0';

const URI_PREFIX = 'events://devices/';
const URI_SUFFIX = '/latest';

export function uriForDevice(deviceId: string): string {
  return `${URI_PREFIX}${deviceId}${URI_SUFFIX}`;
}

/** device id from `events://devices/{id}/latest`, or null. */
export function deviceIdFromUri(uri: string): string | null {
  if (!uri.startsWith(URI_PREFIX) || !uri.endsWith(URI_SUFFIX)) return null;
  const middle = uri.slice(URI_PREFIX.length, -URI_SUFFIX.length);
  return middle && !middle.includes('/') && DEVICE_ID_PATTERN.test(middle) ? middle : null;
}

const deviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'device_id must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$')
  .describe('Device id, e.g. "reachy-mini-1"');

export const toolInputShapes = {
  describe_fleet: {},
  list_devices: {
    device_type: z.string().max(128).default('').describe('Fuzzy device type filter ("reachy" matches reachy_mini)'),
    location: z.string().max(128).default('').describe('Location substring filter'),
    status: z.string().max(64).default('').describe('Availability substring filter, e.g. "available"'),
    group_by: z.string().max(32).default('').describe('"location" or "device_type" to group instead of paging'),
    offset: z.number().int().min(0).max(1_000_000).default(0).describe('Page start (0-based)'),
    limit: z.number().int().min(1).max(1000).default(20).describe('Page size (1-1000)'),
  },
  get_device_functions: { device_id: deviceId },
  invoke_device: {
    device_id: deviceId,
    function: z.string().min(1).max(128).describe('Function name from get_device_functions'),
    arguments: z
      .string()
      .max(1_000_000)
      .default('{}')
      .describe('The function arguments as a JSON-encoded object string, e.g. "{\\"unit\\": \\"F\\"}"'),
  },
  wait_for_event: {
    device_id: deviceId,
    timeout_seconds: z.number().min(0).max(3600).default(60).describe('How long to wait for a new event (0-3600 s)'),
    event_name: z.string().max(128).default('').describe('Only this event name ("" = any)'),
    match_params: z
      .string()
      .max(100_000)
      .default('{}')
      .describe('JSON object string; the event params must contain each key with the same value'),
  },
} as const;

export const TOOL_DESCRIPTIONS = {
  describe_fleet:
    'Get a high-level summary of all available IoT devices. Returns device counts grouped by type and location. ' +
    'For small fleets, full device details are included automatically. Call this first to understand what devices are available.',
  list_devices:
    'Browse available IoT devices with filtering and pagination. Returns compact summaries; for small fleets, full function ' +
    'schemas are included automatically. Use get_device_functions(device_id) for full schemas on larger fleets.',
  get_device_functions:
    'Get full function schemas for a specific device. Call this after list_devices() to see what parameters each function ' +
    'accepts before invoking it.',
  invoke_device:
    'Call a function on a Device Connect device. Use get_device_functions() first to see available functions and their ' +
    'parameter schemas. `arguments` is a JSON-encoded object string.',
  wait_for_event:
    'Wait for an event from a device (e.g. state_event, safety_event, alert). Returns at once with the newest matching ' +
    'event already received since the device was first invoked (the last 32 are kept), otherwise blocks until one ' +
    'arrives or timeout_seconds pass ({"timeout": true}).',
} as const;

export const INSTRUCTIONS =
  'Device Connect bridge: robots and other devices on a mesh. Start with describe_fleet (small fleets come with ' +
  'every function schema), then invoke_device(device_id, function, arguments as a JSON string). Results and errors ' +
  'are JSON text; {"success": false, "error": ...} carries the device\'s own message (e.g. a value outside its safe ' +
  'range), so read it and adjust. Use wait_for_event to wait for events a call causes. For a Reachy Mini, ' +
  'stop_motion is always allowed.';

const READ_ONLY = { readOnlyHint: true, openWorldHint: true } as const;

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

export interface BridgeServerOptions {
  tools: BridgeTools;
  logger: Logger;
}

export interface BridgeServer {
  readonly mcp: McpServer;
  /** Drops this session's resource subscriptions. */
  dispose(): void;
}

export function createBridgeServer({ tools, logger }: BridgeServerOptions): BridgeServer {
  const mcp = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );

  const allow = tools.allowList;
  const invokeDescription = allow
    ? `${TOOL_DESCRIPTIONS.invoke_device} This bridge only permits these functions: ${allow.patterns.join(', ')}.`
    : TOOL_DESCRIPTIONS.invoke_device;

  mcp.registerTool('describe_fleet', { description: TOOL_DESCRIPTIONS.describe_fleet, inputSchema: toolInputShapes.describe_fleet, annotations: READ_ONLY }, async () =>
    text(await tools.describeFleet()),
  );
  mcp.registerTool('list_devices', { description: TOOL_DESCRIPTIONS.list_devices, inputSchema: toolInputShapes.list_devices, annotations: READ_ONLY }, async (args) =>
    text(await tools.listDevices(args)),
  );
  mcp.registerTool(
    'get_device_functions',
    { description: TOOL_DESCRIPTIONS.get_device_functions, inputSchema: toolInputShapes.get_device_functions, annotations: READ_ONLY },
    async (args) => text(await tools.getDeviceFunctions(args)),
  );
  mcp.registerTool('invoke_device', {
      description: invokeDescription,
      inputSchema: toolInputShapes.invoke_device,
      // Device functions can move a robot: not read-only.
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    }, async (args) =>
    text(await tools.invokeDevice(args)),
  );
  mcp.registerTool(
    'wait_for_event',
    { description: TOOL_DESCRIPTIONS.wait_for_event, inputSchema: toolInputShapes.wait_for_event, annotations: READ_ONLY },
    async (args, extra) => {
      // Long waits: progress notifications (when the client asked for them) keep the client's request timeout
      // from firing before timeout_seconds.
      const token = extra._meta?.progressToken;
      const started = Date.now();
      const timer =
        token === undefined
          ? null
          : setInterval(() => {
              extra
                .sendNotification({
                  method: 'notifications/progress',
                  params: { progressToken: token, progress: (Date.now() - started) / 1000, total: args.timeout_seconds, message: 'waiting for an event' },
                })
                .catch(() => undefined);
            }, 10_000);
      try {
        return text(await tools.waitForEvent(args, extra.signal));
      } finally {
        if (timer) clearInterval(timer);
      }
    },
  );

  mcp.registerResource(
    'latest_event',
    new ResourceTemplate('events://devices/{device_id}/latest', {
      list: async () => {
        const devices = await tools.listKnownDeviceIds();
        return { resources: devices.map((id) => ({ uri: uriForDevice(id), name: `${id} latest event`, mimeType: 'application/json' })) };
      },
    }),
    {
      mimeType: 'application/json',
      description:
        'Latest Device Connect event for the given device. Subscribe via resources/subscribe to receive ' +
        'notifications/resources/updated when the device emits a new event.',
    },
    async (uri, vars) => {
      const id = String(Array.isArray(vars.device_id) ? vars.device_id[0] : vars.device_id);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: tools.latestEventText(id) }] };
    },
  );

  const watches = new Map<string, () => void>();
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const uri = req.params.uri;
    const id = deviceIdFromUri(uri);
    if (!id) {
      logger.warn(`resources/subscribe: not an events://devices/{id}/latest URI: ${uri}`);
      return {};
    }
    if (!watches.has(uri)) {
      watches.set(
        uri,
        tools.events.watch(id, () => {
          mcp.server.sendResourceUpdated({ uri }).catch((err: unknown) => logger.debug(`resources/updated not sent: ${String(err)}`));
        }),
      );
      logger.info(`resources/subscribe ${uri}`);
    }
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    const stop = watches.get(req.params.uri);
    if (stop) {
      stop();
      watches.delete(req.params.uri);
    }
    return {};
  });

  return {
    mcp,
    dispose: () => {
      for (const stop of watches.values()) stop();
      watches.clear();
    },
  };
}
