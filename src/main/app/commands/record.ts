/**
 * `reachy-console record`: records the mesh (chosen devices, or all) into an MCAP file until Ctrl-C or
 * `--duration`; `--repair FILE` rebuilds the summary of a recording cut short.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import { DEVICE_ID_PATTERN } from '../../../shared/wire';
import { openTapMesh } from './tap-mesh';
import { errorMessage } from '../../../shared/errors';

const HELP = `Usage: reachy-console record [--device-id ID ... | --all] [--out FILE.mcap] [--duration S] [--video-fps N]
       reachy-console record --repair FILE.mcap

Records everything on the mesh for the chosen devices into a chunked, zstd-compressed MCAP file that opens in
Foxglove Studio and in the console's replay: every event (state_event also as 3D transforms), every invoke seen on
the mesh with its caller and duration, camera frames (foxglove.CompressedImage) and logs (foxglove.Log).
Stops on Ctrl-C or after --duration and writes the file's summary. A recording killed before that reads back up to
its last complete chunk; --repair rebuilds its summary and indexes (the original is kept beside it).

Options:
  --device-id <id>   Record this device (repeatable; default reachy-mini-1)
  --all              Record every device on the mesh
  --out <file>       Output file (default reachy-<UTC time>.mcap); never overwritten
  --duration <s>     Stop after this many seconds (1-86400; default: until Ctrl-C)
  --video-fps <n>    Camera frames per second per device (0-30, default 5; 0 = no video)
  --sim              No broker: record a simulated Reachy Mini started in this process
  --repair <file>    Rewrite the summary/index of a recording cut short (killed, disk full)
  -h, --help         This help

The mesh comes from the environment as for the driver (NATS_URL, MESSAGING_CREDENTIALS_FILE, TENANT, ...).
`;

function parseNumber(flag: string, raw: string | undefined, min: number, max: number, dflt: number | null): number | null {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag}=${raw} outside allowed range [${min}, ${max}]`);
  return n;
}

export const command: CliCommand = {
  summary: 'Record the mesh (state, events, invokes, camera, logs) to an MCAP file; --repair a cut-short one',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        'device-id': { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        out: { type: 'string' },
        duration: { type: 'string' },
        'video-fps': { type: 'string' },
        sim: { type: 'boolean', default: false },
        repair: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const logger = createLogger('record');
    if (values.repair !== undefined) {
      const { repairMcap, McapFileError } = await import('../../record');
      try {
        const r = await repairMcap(resolve(values.repair));
        process.stdout.write(
          r.wasComplete
            ? `${values.repair} is complete (${r.messages} messages on ${r.channels} channels); nothing to repair\n`
            : `repaired ${values.repair}: ${r.messages} messages on ${r.channels} channels kept, ${r.droppedBytes} bytes of an unfinished chunk dropped; original kept as ${r.keptAs}\n`,
        );
        return 0;
      } catch (err) {
        if (err instanceof McapFileError) {
          process.stderr.write(`reachy-console record: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
    const ids = values['device-id'] ?? [];
    if (values.all && ids.length > 0) throw new UsageError('use either --device-id or --all, not both');
    for (const id of ids) if (!DEVICE_ID_PATTERN.test(id)) throw new UsageError(`--device-id '${id}' must match ${DEVICE_ID_PATTERN}`);
    const duration = parseNumber('--duration', values.duration, 1, 86_400, null);
    const fps = parseNumber('--video-fps', values['video-fps'], 0, 30, 5) ?? 5;
    const out = resolve(values.out ?? `reachy-${new Date().toISOString().replace(/[:.]/g, '-')}.mcap`);

    const devices: string[] | 'all' = values.all ? 'all' : ids.length > 0 ? ids : ['reachy-mini-1'];
    const tap = await openTapMesh(values.sim ?? false, devices, logger);
    if (!tap) return 1;
    const { mesh, connection } = tap;
    const closeStack = (): Promise<void> => tap.close();
    const { Recorder } = await import('../../record');
    let recorder;
    try {
      recorder = await Recorder.start({
        mesh,
        out,
        devices,
        videoFps: fps,
        // In-process (--sim) every call passes this process's client or runtime; otherwise watch the wire.
        invokes: connection ? 'wire' : 'observe',
        connection,
        logger,
        metadata: { devices: devices === 'all' ? '*' : devices.join(','), video_fps: String(fps), started_at: new Date().toISOString() },
      });
    } catch (err) {
      logger.error(`cannot record to ${out}: ${errorMessage(err)}`);
      await closeStack();
      return 1;
    }
    logger.info(`recording ${devices === 'all' ? 'every device' : devices.join(', ')} to ${out} (video ${fps} fps)`);
    process.stdout.write(`recording to ${out}\n`);
    const done = new Promise<void>((res) => {
      const finish = (): void => res();
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      recorder.onStop(finish);
      if (duration !== null) setTimeout(finish, duration * 1000).unref();
    });
    const keepAlive = setInterval(() => undefined, 60_000);
    await done;
    clearInterval(keepAlive);
    const s = await recorder.stop();
    await closeStack().catch(() => undefined);
    if (s.state === 'failed') {
      process.stderr.write(`reachy-console record: recording stopped: ${s.failure}; ${out} is readable up to its last complete chunk (reachy-console record --repair ${out})\n`);
      return 1;
    }
    process.stdout.write(`recorded ${s.messages} messages, ${s.bytes} bytes in ${s.elapsedS.toFixed(1)} s to ${out}\n`);
    return 0;
  },
};
