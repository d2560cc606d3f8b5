/** `reachy-console foxglove`: the live Foxglove WebSocket bridge for a running robot or the simulator. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import { DEVICE_ID_PATTERN } from '../../../shared/wire';
import { ListenError } from '../../listen-error';
import { DEFAULT_FOXGLOVE_PORT } from '../../../shared/ports';
import { openTapMesh } from './tap-mesh';

const HELP = `Usage: reachy-console foxglove [--port N] [--device-id ID ... | --all] [--video-fps N] [--host H]

Serves the Foxglove WebSocket protocol so Foxglove Studio ("Open connection" → Foxglove WebSocket →
ws://127.0.0.1:${DEFAULT_FOXGLOVE_PORT}) shows the robot live: state (plots), transforms base → body → head → camera (3D panel),
camera frames (image panel), events, every invoke with its caller, and logs. The same channels as a recording.
Read-only: clients cannot publish, call services or set parameters; nothing reaches the robot.

Options:
  --port <n>          Port (default ${DEFAULT_FOXGLOVE_PORT}; 0 = any free port)
  --device-id <id>    Serve this device (repeatable; default reachy-mini-1)
  --all               Serve every device on the mesh
  --video-fps <n>     Camera frames per second while a client watches (0-30, default 10)
  --host <addr>       Listen address (default 127.0.0.1). Anything else exposes the robot's camera and state to
                      the network and prints a warning
  --allow-origin <o>  Browser origin allowed to connect (repeatable; default https://app.foxglove.dev)
  --sim               No broker: serve a simulated Reachy Mini started in this process
  -h, --help          This help
`;

export const command: CliCommand = {
  summary: 'Live Foxglove WebSocket bridge (state, 3D transforms, camera, events, invokes, logs)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'device-id': { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        'video-fps': { type: 'string' },
        host: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        sim: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const port = values.port === undefined ? DEFAULT_FOXGLOVE_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port=${values.port} outside allowed range [0, 65535]`);
    const fps = values['video-fps'] === undefined ? 10 : Number(values['video-fps']);
    if (!Number.isFinite(fps) || fps < 0 || fps > 30) throw new UsageError(`--video-fps=${values['video-fps']} outside allowed range [0, 30]`);
    const ids = values['device-id'] ?? [];
    if (values.all && ids.length > 0) throw new UsageError('use either --device-id or --all, not both');
    for (const id of ids) if (!DEVICE_ID_PATTERN.test(id)) throw new UsageError(`--device-id '${id}' must match ${DEVICE_ID_PATTERN}`);
    for (const o of values['allow-origin'] ?? []) {
      if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new UsageError(`--allow-origin '${o}' must be an origin such as https://app.foxglove.dev`);
    }
    const devices: string[] | 'all' = values.all ? 'all' : ids.length > 0 ? ids : ['reachy-mini-1'];
    const logger = createLogger('foxglove');
    const { isLoopbackHost, startFoxgloveBridge, DEFAULT_ALLOWED_ORIGINS } = await import('../../record');
    const host = values.host ?? '127.0.0.1';

    const tap = await openTapMesh(values.sim ?? false, devices, logger);
    if (!tap) return 1;
    const { mesh, connection } = tap;
    const closeStack = (): Promise<void> => tap.close();
    let bridge;
    try {
      bridge = await startFoxgloveBridge({
        mesh,
        devices,
        videoFps: fps,
        host,
        port,
        allowedOrigins: values['allow-origin'] ?? DEFAULT_ALLOWED_ORIGINS,
        invokes: connection ? 'wire' : 'observe',
        connection,
        logger,
      });
    } catch (err) {
      await closeStack();
      const e = err as NodeJS.ErrnoException;
      throw new ListenError(`cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : e.message}`, e.code);
    }
    if (!isLoopbackHost(host)) {
      logger.warn(
        `listening on ${host}: anyone who can reach port ${bridge.port} sees this robot's camera, state and every invoke (read-only). Use only on a network you trust.`,
      );
    }
    process.stdout.write(`foxglove bridge at ${bridge.url}\n`);
    await new Promise<void>((res) => {
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    });
    await bridge.close();
    await closeStack().catch(() => undefined);
    return 0;
  },
};
