/**
 * The MCP face of the bridge: registers the five tools (zod input schemas -> JSON Schema in tools/list), the
 * resources (`events://devices/{device_id}/latest`, subscribable; `devices://{device_id}/functions`;
 * `panorama://latest`), the prompts `look_around` and `check_robot`, and resources/subscribe with
 * notifications/resources/updated. One McpServer per MCP session; all sessions may share one BridgeTools.
 *
 * Every failed call carries `isError: true` with the reference's JSON text; a function that declares an image
 * result (label `result: image`) answers with an MCP image block plus the rest of its result as JSON text.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../shared/wire';
import type { Logger } from '../log';
import { PANORAMA_URI } from './panorama';
import type { BridgeTools, ToolResult } from './tools';
import { callerFor } from './supervise-session';

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
  'are JSON text; a failed call is marked isError and {"success": false, "error": ...} carries the device\'s own ' +
  'message (e.g. a value outside its safe range), so read it and adjust. Functions labelled result=image (a Reachy ' +
  'Mini\'s capture_video_frame) answer with the picture itself. Use wait_for_event to wait for events a call ' +
  'causes. Functions labelled as a stop (stop_motion) are always allowed. A supervised bridge may hold a call until ' +
  'a human approves it, or refuse it ("denied by the operator: <reason>", "refused by guard rail <rule>: ..."): ' +
  'do not retry a denied call unchanged; adjust or ask the user. Prompts: look_around (360° panorama of ' +
  'the room), check_robot; resources: panorama://latest, devices://{device_id}/functions.';

const READ_ONLY = { readOnlyHint: true, openWorldHint: true } as const;

/** The MCP result of one tool call: the JSON text, an image block first when the result holds one. */
export function toCallToolResult(r: ToolResult): CallToolResult {
  const content: CallToolResult['content'] = [];
  if (r.image) content.push({ type: 'image', data: r.image.data, mimeType: r.image.mimeType });
  content.push({ type: 'text', text: r.text });
  return r.isError ? { content, isError: true } : { content };
}

const CATALOGUE_PREFIX = 'devices://';
const CATALOGUE_SUFFIX = '/functions';

export function catalogueUri(deviceId: string): string {
  return `${CATALOGUE_PREFIX}${deviceId}${CATALOGUE_SUFFIX}`;
}

const optionalDeviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'device_id must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$')
  .optional()
  .describe('Robot to use; default: the only Reachy Mini on the mesh');

export interface BridgeServerOptions {
  tools: BridgeTools;
  logger: Logger;
  /** The agent's name for supervision (`--agent`); default: the MCP client's name. */
  agent?: string;
}

export interface BridgeServer {
  readonly mcp: McpServer;
  /** Drops this session's resource subscriptions. */
  dispose(): void;
}

export function createBridgeServer({ tools, logger, agent }: BridgeServerOptions): BridgeServer {
  const mcp = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true }, prompts: {} }, instructions: INSTRUCTIONS },
  );

  const allow = tools.allowList;
  const invokeDescription = allow
    ? `${TOOL_DESCRIPTIONS.invoke_device} This bridge only permits ${allow.describe()}.`
    : TOOL_DESCRIPTIONS.invoke_device;
  // From the functions' labels: unrestricted, a device function may move a robot (destructive); a read-only
  // bridge reaches only functions labelled access=read and stops, which never destroy anything.
  const invokeAnnotations = allow ? allow.annotations() : { readOnlyHint: false, destructiveHint: true };

  mcp.registerTool('describe_fleet', { description: TOOL_DESCRIPTIONS.describe_fleet, inputSchema: toolInputShapes.describe_fleet, annotations: READ_ONLY }, async () =>
    toCallToolResult(await tools.describeFleet()),
  );
  mcp.registerTool('list_devices', { description: TOOL_DESCRIPTIONS.list_devices, inputSchema: toolInputShapes.list_devices, annotations: READ_ONLY }, async (args) =>
    toCallToolResult(await tools.listDevices(args)),
  );
  mcp.registerTool(
    'get_device_functions',
    { description: TOOL_DESCRIPTIONS.get_device_functions, inputSchema: toolInputShapes.get_device_functions, annotations: READ_ONLY },
    async (args) => toCallToolResult(await tools.getDeviceFunctions(args)),
  );
  mcp.registerTool(
    'invoke_device',
    {
      description: invokeDescription,
      inputSchema: toolInputShapes.invoke_device,
      annotations: { ...invokeAnnotations, openWorldHint: true },
    },
    async (args) => toCallToolResult(await tools.invokeDevice(args, callerFor(mcp.server, agent))),
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
        return toCallToolResult(await tools.waitForEvent(args, extra.signal));
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

  mcp.registerResource(
    'device_functions',
    new ResourceTemplate(`${CATALOGUE_PREFIX}{device_id}${CATALOGUE_SUFFIX}`, {
      list: async () => {
        const devices = await tools.listKnownDeviceIds();
        return { resources: devices.map((id) => ({ uri: catalogueUri(id), name: `${id} functions`, mimeType: 'application/json' })) };
      },
    }),
    {
      mimeType: 'application/json',
      description: "A device's function catalogue: every function with its parameter schema and labels (access, stop, result).",
    },
    async (uri, vars) => {
      const id = String(Array.isArray(vars.device_id) ? vars.device_id[0] : vars.device_id);
      if (!DEVICE_ID_PATTERN.test(id)) throw new Error(`device_id '${id.slice(0, 200)}' must match ${DEVICE_ID_PATTERN}`);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: await tools.catalogueText(id) }] };
    },
  );

  mcp.registerResource(
    'latest_panorama',
    PANORAMA_URI,
    {
      mimeType: 'image/jpeg',
      description:
        'The newest equirectangular panorama (360° room image from the robot camera) in this bridge\'s panorama ' +
        'folder, with a JSON note of where and when it was taken. Before any scan: a text saying how to make one ' +
        '(the look_around prompt).',
    },
    async (uri): Promise<ReadResourceResult> => {
      const root = tools.panoramaDir;
      const { findLatestPanorama, equirectForAgent, noPanoramaMessage } = await import('./panorama');
      const latest = root ? await findLatestPanorama(root) : null;
      if (!root || !latest) {
        const message = root ? noPanoramaMessage(root) : 'This bridge has no panorama folder (start it with --panorama-dir <dir>).';
        return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: message }] };
      }
      const img = await equirectForAgent(latest.equirectPath);
      const note = {
        device_id: latest.deviceId,
        status: latest.status,
        finished_at: latest.finishedAt,
        frames_captured: latest.framesCaptured,
        folder: latest.dir,
        width: img.width,
        height: img.height,
        projection: 'equirectangular: x = world yaw -180..180 deg, y = elevation 90..-90 deg',
      };
      return {
        contents: [
          { uri: uri.href, mimeType: img.mimeType, blob: img.data },
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(note, null, 2) },
        ],
      };
    },
  );

  mcp.registerPrompt(
    'look_around',
    {
      title: 'Look around and describe the room',
      description:
        'Turns the robot through a full circle taking pictures (a panorama scan through invoke_device; it moves the ' +
        'robot for about 10-20 s), then gives you the 360° equirectangular image to describe the room.',
      argsSchema: {
        device_id: optionalDeviceId,
        detail: z.enum(['quick', 'full']).optional().describe('quick: one row of 6 pictures; full (default): 3 rows of 6'),
      },
    },
    async (args, extra): Promise<GetPromptResult> => {
      const r = await tools.lookAround({ device_id: args.device_id, detail: args.detail }, extra.signal, callerFor(mcp.server, agent));
      return {
        description: `360° panorama from ${r.deviceId}`,
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `This is a 360° equirectangular panorama that ${r.deviceId} just took with its head camera ` +
                `(${r.framesCaptured} of ${r.framesPlanned} pictures, ${r.image.width}x${r.image.height}; left to right is ` +
                'world yaw from -180° to 180°, the middle row is the horizon; black areas were not seen). ' +
                'Describe the room: its layout, the notable objects and where they are relative to the robot ' +
                '(in front = the middle of the image, behind = the edges), people, and anything that looks unsafe for ' +
                `the robot to move near. The files are in ${r.outputDir}; ${PANORAMA_URI} now returns this image.`,
            },
          },
          { role: 'user', content: { type: 'image', data: r.image.data, mimeType: r.image.mimeType } },
        ],
      };
    },
  );

  mcp.registerPrompt(
    'check_robot',
    {
      title: 'Check the robot',
      description:
        "Reads the robot's status (daemon link, safety interlock, lease owner, motion, last error) and the calls " +
        'that failed through this bridge, and asks you to explain what state the robot is in and what to do next.',
      argsSchema: { device_id: optionalDeviceId },
    },
    async (args): Promise<GetPromptResult> => {
      const id = args.device_id || (await tools.defaultRobot());
      const status = await tools.invokeDevice({ device_id: id, function: 'get_status' }, callerFor(mcp.server, agent));
      const failures = tools.recentFailures(id);
      return {
        description: `Health check of ${id}`,
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `Check the robot ${id}. Using its get_status result and the calls that failed recently, tell me: is its ` +
                'daemon link up; is the safety interlock tripped, and why; who holds the command lease and for how long; ' +
                'is it moving or asleep; what the last error was. Then say what to do next (e.g. reset_interlock once it ' +
                'is safe, wake_up, wait for the lease). Do not move the robot unless I ask.\n\n' +
                `get_status${status.isError ? ' (failed)' : ''}:\n${status.text}\n\n` +
                `Recent failed calls through this bridge (newest last):\n${failures.length ? JSON.stringify(failures, null, 2) : 'none'}`,
            },
          },
        ],
      };
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
