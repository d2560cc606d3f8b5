/**
 * `reachy-console mcp`: the stdio MCP bridge. Joins the configured mesh (env as the reference bridge), or with
 * `--sim` runs a simulated Reachy Mini and its driver in-process on the local mesh (no broker needed).
 */
import { errorMessage } from '../../../shared/errors';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import type { Logger } from '../../log';
import type { MeshClient } from '../../mesh';
import type { MeshConnection } from '../../mesh';
import { allowListFromFlags } from '../../mcp';
import type { AllowList } from '../../mcp';
import { appendCallRecord } from '../../mcp';
import { defaultPanoramaDir } from '../../mcp';
import { guardStdout, serveStdio } from '../../mcp';
import { BridgeTools, requestTimeoutFromEnv } from '../../mcp';
import { policyFromFlags, Supervisor } from '../../mcp';
import type { Policy } from '../../mcp';
import type { Labels } from '../../../shared/wire';

const HELP = `Usage: reachy-console mcp [options]

Runs the MCP bridge on stdio (for Claude Desktop, Claude Code and other MCP clients). Tools: describe_fleet,
list_devices, get_device_functions, invoke_device, wait_for_event; resources events://devices/{device_id}/latest,
devices://{device_id}/functions, panorama://latest; prompts look_around, check_robot. Functions that declare an
image result (capture_video_frame) answer with an MCP image. Stdout carries only MCP frames; logs go to stderr.

Options:
  --sim                 No broker: start a simulated Reachy Mini and its driver in this process (local mesh)
  --device-id <id>      Device id of the simulated robot with --sim (default reachy-mini-1)
  --allow <list>        Only these functions may be invoked (comma list; * wildcards), e.g. get_status,get_*
  --read-only           Allow only functions labelled access=read (get_status, capture_video_frame, ...); functions
                        labelled as a stop (stop_motion) are always allowed
  --panorama-dir <dir>  Where panorama://latest looks and look_around scans go (default: with --sim a temporary
                        folder of this bridge, else the console's ~/.local/share/reachy-console/panorama)
  --call-log <file>     Append every tool call as a JSON line (the console's MCP panel reads this)

Supervision (see README "Letting Claude drive, safely"); classes come from the functions' labels:
  --motion allow|ask|deny   functions labelled access=motion (default allow; ask = a human approves each call
                            through MCP elicitation, or the call is denied when the client cannot ask)
  --media allow|ask|deny    functions labelled group=media (camera, microphone, speaker)
  --control allow|ask|deny  functions labelled access=control (leases, interlock reset)
  --observe allow|ask|deny  functions labelled access=read
  --policy <file.yaml>      per-agent / per-robot policy and guard rails (envelope, rate, budget, media off)
  --agent <name>            this agent's name (default: the MCP client's name); its mesh identity is agent:<name>
                            Functions labelled as a stop (stop_motion) are always allowed.

Recording:
  --record <file.mcap>  Record the session: the agent's tool calls (arguments, results) beside the robot's
                        state, events, invokes and camera (5 fps), as with \`reachy-console record\`
  -h, --help            This help

Environment (as the reference bridge):
  NATS_URL / MESSAGING_URLS            broker URL(s), e.g. nats://127.0.0.1:4222
  MESSAGING_CREDENTIALS_FILE           .creds.json or nsc .creds (alias NATS_CREDENTIALS_FILE)
  DEVICE_CONNECT_ALLOW_INSECURE=true   allow a broker without credentials (development)
  TENANT                               tenant (default "default")
  DEVICE_CONNECT_DISCOVERY_MODE        d2d | infra (default: infra, which needs a registry service)
  MCP_REQUEST_TIMEOUT                  invoke timeout in seconds (default 30)
  DEVICE_CONNECT_SMALL_FLEET_THRESHOLD describe_fleet expands fleets up to this size (default 5)
`;

interface Stack {
  mesh(): MeshClient;
  close(): Promise<void>;
}

/**
 * Joins the NATS mesh from the environment. Configuration errors (no URL, no credentials) fail at once; a broker
 * that is not reachable yet does not: the bridge starts, tools answer "not connected", and it keeps retrying.
 */
async function connectConfiguredMesh(logger: Logger): Promise<Stack & { requestTimeoutMs: number }> {
  const mesh = await import('../../mesh');
  const config = mesh.meshConfigFromEnv(process.env);
  if (config.backend !== 'nats') {
    throw new Error('no broker configured: set NATS_URL (or MESSAGING_URLS / MESSAGING_CREDENTIALS_FILE), or use --sim');
  }
  logger.info(`mesh config: ${mesh.describeMeshConfig(config)}`);
  let client: MeshClient | null = null;
  const where = config.urls.map(mesh.redactUrl).join(',');
  const pending = await mesh.openMeshWithRetry(config, { logger, who: 'the bridge', where });
  const joined = (connection: MeshConnection): void => {
    client = mesh.createMeshClient({ connection, ownsConnection: true, logger: logger.child('mesh') });
    logger.info(`transport connected: ${connection.description}; tenant ${client.tenant}, discovery ${client.discoveryMode}`);
  };
  let closed = false;
  const now = pending.current();
  if (now) joined(now);
  else pending.ready.then(joined, (err: unknown) => closed || logger.error(`mesh: ${errorMessage(err)}; not retrying`));

  return {
    mesh: () => {
      if (client) return client;
      throw new Error(`not connected to the mesh at ${config.urls.join(',')} yet (${pending.lastError()}); retrying`);
    },
    close: async () => {
      closed = true;
      pending.cancel();
      await (client as MeshClient | null)?.close();
    },
    requestTimeoutMs: config.requestTimeoutMs,
  };
}

/** `--record`: a Recorder on the bridge's mesh (it also takes this process's tool calls); null (and logged) when the file cannot be made. */
async function startSessionRecording(out: string, mesh: () => MeshClient, devices: string | 'all', logger: Logger): Promise<{ stop(): Promise<void> } | null> {
  const { Recorder } = await import('../../record');
  try {
    // The recording starts with the mesh: a broker that is not up yet is waited for (30 s), not skipped.
    let client: MeshClient | null = null;
    for (const deadline = Date.now() + 30_000; !client; ) {
      try {
        client = mesh();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const rec = await Recorder.start({ mesh: client, out, devices: devices === 'all' ? 'all' : [devices], videoFps: 5, logger: logger.child('record') });
    logger.info(`recording the session to ${out}`);
    return {
      stop: async () => {
        const s = await rec.stop();
        logger.info(`recorded ${s.messages} messages to ${out}`);
      },
    };
  } catch (err) {
    logger.error(`cannot record to ${out}: ${errorMessage(err)}`);
    return null;
  }
}

export const command: CliCommand = {
  summary: 'MCP bridge on stdio for Claude and other agents (--sim: with a simulated robot)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    guardStdout();
    const { values } = parseArgs({
      args: argv,
      options: {
        sim: { type: 'boolean', default: false },
        'device-id': { type: 'string' },
        allow: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        'call-log': { type: 'string' },
        'panorama-dir': { type: 'string' },
        motion: { type: 'string' },
        media: { type: 'string' },
        control: { type: 'string' },
        observe: { type: 'string' },
        policy: { type: 'string' },
        agent: { type: 'string' },
        record: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    let allow: AllowList | null;
    try {
      allow = allowListFromFlags(values.allow, values['read-only'] ?? false);
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    const supervised = ['motion', 'media', 'control', 'observe', 'policy', 'agent'].some((k) => values[k as keyof typeof values] !== undefined);
    let policy: Policy | null = null;
    try {
      if (supervised) policy = policyFromFlags({ motion: values.motion, media: values.media, control: values.control, observe: values.observe, policy: values.policy });
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    if (values.agent !== undefined && !/^[A-Za-z0-9_.@-]{1,48}$/.test(values.agent)) {
      throw new UsageError(`--agent '${values.agent}' must be 1-48 letters, digits, _ . @ -`);
    }
    const deviceId = values['device-id'] ?? 'reachy-mini-1';
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/.test(deviceId)) {
      throw new UsageError(`--device-id '${deviceId}' must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$`);
    }
    if (values['device-id'] !== undefined && !values.sim) throw new UsageError('--device-id only applies with --sim');

    const logger = createLogger('mcp');
    if (allow) logger.info(`allow-list: ${allow.patterns.join(', ')}`);
    let stack: Stack;
    let requestTimeoutMs = requestTimeoutFromEnv();
    let robotReady: Promise<void> | undefined;
    try {
      if (values.sim) {
        const { startSimStack } = await import('../sim-stack');
        // The bridge answers at once while the robot plays its wake-up sequence (about 2 s, through the same invoke
        // path as any caller, then the lease is given back); calls that may act on the robot (not labelled
        // access=read) wait until it is awake, since the daemon drops a move sent while the wake-up still plays.
        const sim = await startSimStack({ deviceId, logger, wakeUp: false });
        const owner = { owner: 'mcp-sim-start' };
        robotReady = sim.mesh
          .invoke(deviceId, 'wake_up', { ...owner, wait: true }, { timeoutMs: 15_000 })
          .then(() => sim.mesh.invoke(deviceId, 'release_lease', owner))
          .then(
            () => logger.info(`${deviceId} is awake`),
            (err: unknown) => logger.warn(`wake_up at start failed: ${errorMessage(err)}`),
          );
        stack = { mesh: () => sim.mesh, close: () => sim.close() };
      } else {
        const joined = await connectConfiguredMesh(logger);
        stack = joined;
        requestTimeoutMs = joined.requestTimeoutMs;
      }
    } catch (err) {
      logger.error(`cannot start the bridge: ${errorMessage(err)}`);
      return 1;
    }
    const callLog = values['call-log'];
    // A simulated robot exists only in this process: its scans go to a folder of this bridge, removed at exit.
    let tempPanoramaDir: string | null = null;
    let panoramaDir = values['panorama-dir'] ? resolve(values['panorama-dir']) : undefined;
    if (!panoramaDir && values.sim) {
      tempPanoramaDir = await mkdtemp(join(tmpdir(), 'reachy-mcp-panorama-'));
      panoramaDir = tempPanoramaDir;
    }
    panoramaDir ??= defaultPanoramaDir();
    logger.info(`panorama folder: ${panoramaDir}`);
    const recording = values.record ? await startSessionRecording(resolve(values.record), stack.mesh, values.sim ? deviceId : 'all', logger) : null;
    if (values.record && !recording) {
      await stack.close().catch(() => undefined);
      return 1;
    }
    const supervisor: Supervisor | null = policy
      ? new Supervisor({ policy, logger: logger.child('agents'), mesh: () => stack.mesh(), catalogue: async (id): Promise<Array<{ name: string; labels: Labels | null }>> => (await tools.findDevice(id))?.functions ?? [] })
      : null;
    if (policy) logger.info(`supervised: motion ${policy.resolve(values.agent ?? 'agent', deviceId, 'motion').decision}, media ${policy.resolve(values.agent ?? 'agent', deviceId, 'media').decision}`);
    const tools: BridgeTools = new BridgeTools({
      supervisor,
      inProcessMesh: values.sim ?? false,
      ...(robotReady ? { ready: () => robotReady } : {}),
      panoramaDir,
      mesh: () => stack.mesh(),
      logger: logger.child('tools'),
      allow,
      requestTimeoutMs,
      onCall: callLog
        ? (r) => {
            try {
              appendCallRecord(callLog, r);
            } catch (err) {
              logger.warn(`cannot append to --call-log ${callLog}: ${errorMessage(err)}`);
            }
          }
        : undefined,
    });
    try {
      await serveStdio(tools, logger, values.agent);
    } finally {
      supervisor?.close();
      tools.close();
      if (recording) await recording.stop();
      await stack.close().catch((err: unknown) => logger.warn(`shutdown: ${errorMessage(err)}`));
      if (tempPanoramaDir) await rm(tempPanoramaDir, { recursive: true, force: true }).catch(() => undefined);
      logger.info('bridge stopped');
    }
    return 0;
  },
};
