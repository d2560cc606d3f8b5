/**
 * `reachy-console panorama`: a scan from the command line with the prior tool's options (docs/ARCHITECTURE.md), on the configured
 * mesh (flags/env as the driver) or, with --sim, on a simulator + driver started in this process on the local mesh.
 * Exit codes as the prior tool: 0 outputs written, 1 nothing written, 2 device not found in time (and bad flags).
 */
import { errorMessage } from '../../../shared/errors';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger, type Logger } from '../../log';
import type { MeshClient, MeshConfig } from '../../mesh';
import { meshConfigFromEnv } from '../../mesh';
import { DEVICE_TYPE } from '../../../shared/reachy';
import { panoramaScanOptions, type PanoramaScanOptionsInput } from '../../../shared/console-api/panorama';
import { ensureWritableDir } from '../../panorama';
import { planScan } from '../../panorama';
import { runScan } from '../../panorama';

const HELP = `Usage: reachy-console panorama [options]

Scans the room with the robot's head camera (body yaw × pitch × head yaw grid, through invoke_device only) and
writes per-frame JPEGs, manifest.json, per-pitch strips, panorama_grid.jpg and panorama_equirect.jpg (a true
equirectangular panorama reprojected from the observed head poses).

Scan:
  --device-id <id>                 Robot to scan with (default reachy-mini-1)
  --output <dir>                   Output folder (default ./panorama-<date>-<time>); created if missing
  --full-360                       Pick step counts for ≥ --overlap-deg overlap all around (camera FOV aware)
  --yaw-steps <n>                  Head yaw steps across ±--yaw-range-deg (default 5; 1-25)
  --body-yaw-steps <n>             Body yaw steps across ±--body-yaw-range-deg (default 5; 1-25)
  --pitch-steps <n>                Pitch steps across ±--pitch-range-deg (default 3; 1-15)
  --yaw-range-deg <d>              Head yaw half-span relative to the body (default 45; 0-45)
  --body-yaw-range-deg <d>         Body yaw half-span (default 160; 0-160)
  --pitch-range-deg <d>            Pitch half-span (default 30; 0-30)
  --overlap-deg <d>                Overlap for --full-360 (default 15; 0-45)
  --max-edge <px>                  Frame size asked of capture_video_frame (default 640; 64-1280)
  --quality <q>                    JPEG quality (default 82; 1-100)
  --encoding jpeg|thumbnail        Frame preset (default jpeg)
  --no-align-head-home             Do not home the head before the scan nor return it home after
  --body-drift-tolerance-deg <d>   Warn in the manifest when the observed body yaw is off by more (default 3)
  --settle-s <s>                   Wait after each motion before capturing (default 0.5)
  --settle-timeout-s <s>           Then wait up to this long for the body to arrive and the head to hold still (default 3)
  --equirect-width <px>            Width of panorama_equirect.jpg (default 0 = from the frames' resolution)
  --timeout-s <s>                  How long to wait for the device to appear (default 60)
  --plan-only                      Print the plan as JSON and exit without moving the robot

Mesh (as the driver; env MESSAGING_URLS / NATS_URL, MESSAGING_CREDENTIALS_FILE, DEVICE_CONNECT_ALLOW_INSECURE,
TENANT, DEVICE_CONNECT_DISCOVERY_MODE):
  --messaging-url <url>            Broker URL, repeatable (nats://host:4222)
  --nats-credentials-file <file>   .creds.json or nsc .creds
  --tenant <name>                  Tenant (default "default")
  --discovery-mode d2d|infra       Discovery mode (default d2d)
  --allow-insecure                 Allow a broker without credentials (development)
  --sim                            No broker: run a simulator and its driver in this process (local mesh)

Exit codes: 0 outputs written, 1 nothing written, 2 device not found in time or bad options.
`;

/** zod field → the flag a user typed, so errors name what they can fix. */
const FLAG_OF: Record<string, string> = {
  deviceId: '--device-id',
  yawSteps: '--yaw-steps',
  bodyYawSteps: '--body-yaw-steps',
  pitchSteps: '--pitch-steps',
  yawRangeDeg: '--yaw-range-deg',
  bodyYawRangeDeg: '--body-yaw-range-deg',
  pitchRangeDeg: '--pitch-range-deg',
  overlapDeg: '--overlap-deg',
  maxEdge: '--max-edge',
  quality: '--quality',
  encoding: '--encoding',
  bodyDriftToleranceDeg: '--body-drift-tolerance-deg',
  settleS: '--settle-s',
  settleTimeoutS: '--settle-timeout-s',
  equirectWidth: '--equirect-width',
};

function numberFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${name}=${raw} is not a number`);
  return v;
}

/** Parses and validates everything; throws UsageError naming the flag and its range. Never touches the robot. */
export function parsePanoramaArgs(argv: string[]) {
  // `--yaw-steps -1` must reach validation (and its range message), not trip parseArgs' "ambiguous" check.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (/^--[a-z0-9-]+$/.test(argv[i]) && next !== undefined && /^-\d/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  const { values } = parseArgs({
    args,
    options: {
      'device-id': { type: 'string' },
      output: { type: 'string' },
      'full-360': { type: 'boolean', default: false },
      'yaw-steps': { type: 'string' },
      'body-yaw-steps': { type: 'string' },
      'pitch-steps': { type: 'string' },
      'yaw-range-deg': { type: 'string' },
      'body-yaw-range-deg': { type: 'string' },
      'pitch-range-deg': { type: 'string' },
      'overlap-deg': { type: 'string' },
      'max-edge': { type: 'string' },
      quality: { type: 'string' },
      encoding: { type: 'string' },
      'no-align-head-home': { type: 'boolean', default: false },
      'body-drift-tolerance-deg': { type: 'string' },
      'settle-s': { type: 'string' },
      'settle-timeout-s': { type: 'string' },
      'equirect-width': { type: 'string' },
      'timeout-s': { type: 'string' },
      'plan-only': { type: 'boolean', default: false },
      'messaging-url': { type: 'string', multiple: true },
      'nats-credentials-file': { type: 'string' },
      tenant: { type: 'string' },
      'discovery-mode': { type: 'string' },
      'allow-insecure': { type: 'boolean', default: false },
      sim: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const input: PanoramaScanOptionsInput = {
    deviceId: values['device-id'],
    full360: values['full-360'],
    yawSteps: numberFlag('--yaw-steps', values['yaw-steps']),
    bodyYawSteps: numberFlag('--body-yaw-steps', values['body-yaw-steps']),
    pitchSteps: numberFlag('--pitch-steps', values['pitch-steps']),
    yawRangeDeg: numberFlag('--yaw-range-deg', values['yaw-range-deg']),
    bodyYawRangeDeg: numberFlag('--body-yaw-range-deg', values['body-yaw-range-deg']),
    pitchRangeDeg: numberFlag('--pitch-range-deg', values['pitch-range-deg']),
    overlapDeg: numberFlag('--overlap-deg', values['overlap-deg']),
    maxEdge: numberFlag('--max-edge', values['max-edge']),
    quality: numberFlag('--quality', values.quality),
    encoding: values.encoding as 'jpeg' | 'thumbnail' | undefined,
    alignHeadHome: !values['no-align-head-home'],
    bodyDriftToleranceDeg: numberFlag('--body-drift-tolerance-deg', values['body-drift-tolerance-deg']),
    settleS: numberFlag('--settle-s', values['settle-s']),
    settleTimeoutS: numberFlag('--settle-timeout-s', values['settle-timeout-s']),
    equirectWidth: numberFlag('--equirect-width', values['equirect-width']),
  };
  for (const key of Object.keys(input) as Array<keyof typeof input>) if (input[key] === undefined) delete input[key];
  const parsed = panoramaScanOptions.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    const flag = FLAG_OF[field] ?? field;
    const given = (input as Record<string, unknown>)[field];
    // zod messages name the schema field; the user typed a flag.
    const msg = issue.message.replace(new RegExp(`^${field}\\b`), '').replace(/^\s*[:=]?\s*/, '');
    throw new UsageError(`${flag}${given !== undefined ? `=${String(given)}` : ''}: ${msg}`);
  }
  const timeoutS = numberFlag('--timeout-s', values['timeout-s']) ?? 60;
  if (timeoutS < 0 || timeoutS > 3600) throw new UsageError(`--timeout-s=${timeoutS}: must be in [0, 3600]`);
  const discovery = values['discovery-mode'];
  if (discovery !== undefined && discovery !== 'd2d' && discovery !== 'infra') {
    throw new UsageError(`--discovery-mode=${discovery}: must be d2d or infra`);
  }
  if (values.tenant !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(values.tenant)) {
    throw new UsageError(`--tenant=${values.tenant}: letters, digits, _ and - (1-64)`);
  }
  for (const u of values['messaging-url'] ?? []) {
    if (!/^(nats|tls):\/\/\S+$/.test(u)) throw new UsageError(`--messaging-url=${u}: must be nats://host:port (or tls://host:port)`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return {
    options: parsed.data,
    output: resolve(values.output ?? `panorama-${stamp}`),
    timeoutS,
    planOnly: values['plan-only'] ?? false,
    sim: values.sim ?? false,
    mesh: {
      urls: values['messaging-url'],
      credentialsFile: values['nats-credentials-file'],
      tenant: values.tenant,
      discoveryMode: discovery as 'd2d' | 'infra' | undefined,
      allowInsecure: values['allow-insecure'] ?? false,
    },
  };
}

type ParsedArgs = ReturnType<typeof parsePanoramaArgs>;

interface Stack {
  mesh: MeshClient;
  close(): Promise<void>;
}

export interface MeshFlags {
  urls?: string[];
  credentialsFile?: string;
  tenant?: string;
  discoveryMode?: 'd2d' | 'infra';
  allowInsecure: boolean;
}

/** Flags over env, through the mesh's own loader (credentials files, TLS env, aliases), as the driver reads them. */
export function meshConfigFrom(flags: MeshFlags, env: NodeJS.ProcessEnv): MeshConfig {
  const overrides = {
    ...(flags.urls?.length ? { urls: flags.urls } : {}),
    ...(flags.tenant ? { tenant: flags.tenant } : {}),
    ...(flags.discoveryMode ? { discoveryMode: flags.discoveryMode } : {}),
    ...(flags.credentialsFile ? { credentialsFile: flags.credentialsFile } : {}),
    ...(flags.allowInsecure ? { allowInsecure: true } : {}),
    requestTimeoutMs: 15_000,
  };
  const config = meshConfigFromEnv(env, overrides);
  // No broker configured anywhere: the robot is on a local broker (as the driver's default), not in this process.
  return config.backend === 'local' ? meshConfigFromEnv(env, { ...overrides, backend: 'nats', urls: ['nats://127.0.0.1:4222'] }) : config;
}

async function connectMesh(args: ParsedArgs, logger: Logger): Promise<Stack> {
  if (args.sim) {
    const { startSimStack } = await import('../sim-stack');
    return startSimStack({ deviceId: args.options.deviceId, logger });
  }
  const mesh = await import('../../mesh');
  const config = meshConfigFrom(args.mesh, process.env);
  mesh.validateNatsConfig(config);
  const connection = await mesh.openMesh(config);
  const client = mesh.createMeshClient({ connection, ownsConnection: true, logger: logger.child('mesh') });
  logger.info(`mesh: ${config.urls.join(', ')}, tenant ${client.tenant}, discovery ${client.discoveryMode}`);
  return { mesh: client, close: () => client.close() };
}

/** Polls the mesh until the device is listed (as the prior tool's wait_for_device, every 0.5 s). */
export async function waitForDevice(mesh: MeshClient, deviceId: string, timeoutS: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    try {
      const list = await mesh.listDevices({ deviceType: DEVICE_TYPE });
      if (list.some((d) => d.device_id === deviceId)) return true;
    } catch {
      // discovery not ready yet; retry until the deadline
    }
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const command: CliCommand = {
  summary: 'Panorama scan: frames, manifest, strips, grid and an equirectangular panorama',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const args = parsePanoramaArgs(argv);
    const logger = createLogger('panorama');
    const plan = planScan({ options: args.options });
    if (args.planOnly) {
      const { options: _o, ...summary } = plan;
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      return 0;
    }
    try {
      await ensureWritableDir(args.output, '--output');
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    for (const n of plan.notes) logger.info(n);
    logger.info(`plan: ${plan.frames} frames (${plan.bodyYaws.length} body × ${plan.pitches.length} pitch × ${plan.headYaws.length} head yaw), about ${Math.round(plan.estimatedSeconds)} s`);

    const abort = new AbortController();
    const onSig = () => {
      logger.warn('interrupt: cancelling the scan (robot stopped, partial results kept)');
      abort.abort();
    };
    process.on('SIGINT', onSig);
    process.on('SIGTERM', onSig);
    let stack: Stack | null = null;
    try {
      try {
        stack = await connectMesh(args, logger);
      } catch (err) {
        logger.error(`cannot join the mesh: ${errorMessage(err)}`);
        return 2;
      }
      if (!(await waitForDevice(stack.mesh, args.options.deviceId, args.timeoutS, abort.signal))) {
        logger.error(`device '${args.options.deviceId}' not found on the mesh within ${args.timeoutS} s`);
        return 2;
      }
      const result = await runScan({
        mesh: stack.mesh,
        plan,
        outputDir: args.output,
        logger,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.phase === 'capturing') return;
          logger.info(`[${p.done}/${p.total}] ${p.phase}${p.pose ? ` body ${p.pose.bodyYawDeg}° pitch ${p.pose.pitchDeg}° yaw ${p.pose.headYawDeg}°` : ''}${p.message ? ` — ${p.message}` : ''}`);
        },
      });
      const m = result.manifest;
      const wrote = m.outputs.grid !== null || m.outputs.strips.length > 0 || m.outputs.equirect !== null;
      logger.info(
        `${result.status}: ${result.framesCaptured}/${result.framesPlanned} frames, ${result.driftWarnings} drift warnings, ` +
          `outputs in ${result.outputDir}${m.outputs.equirect ? ` (${m.outputs.equirect})` : ''}`,
      );
      return wrote ? 0 : 1;
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      await stack?.close().catch((err: unknown) => logger.warn(`shutdown: ${errorMessage(err)}`));
    }
  },
};
