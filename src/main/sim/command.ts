/** `reachy-console sim`: the standalone simulator; prints its URL on stdout and runs until interrupted. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../log';

const HELP = `Usage: reachy-console sim [options]

Starts a daemon-compatible simulated Reachy Mini (REST under /api, /ws/sdk) and prints its URL.

Options:
  --port <n>          port to listen on (0 = a free port; default 8000)
  --host <addr>       address to bind (default 127.0.0.1)
  --mode <m>          robot (follows targets with rate limits) | mockup (snaps to targets); default robot
  --seed <n>          seed of the simulated noise (default 1)
  --no-wake-up        start asleep instead of playing wake_up at start
  --no-media          report no camera/microphone (no_media: true)
  --advertise         announce _reachy-mini._tcp over mDNS
  -h, --help          this help
`;

export const command: CliCommand = {
  summary: 'run the simulated Reachy Mini daemon (REST + /ws/sdk)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        mode: { type: 'string' },
        seed: { type: 'string' },
        'no-wake-up': { type: 'boolean' },
        'no-media': { type: 'boolean' },
        advertise: { type: 'boolean' },
      },
      strict: true,
    });
    const port = values.port === undefined ? 8000 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port=${values.port} must be an integer in [0, 65535]`);
    const mode = values.mode ?? 'robot';
    if (mode !== 'robot' && mode !== 'mockup') throw new UsageError(`--mode=${mode} is not allowed (allowed: robot, mockup)`);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed=${values.seed} must be an integer in [0, 4294967295]`);
    const host = values.host ?? '127.0.0.1';
    const { startSimulator } = await import('./server');
    const log = createLogger('sim');
    let sim;
    try {
      sim = await startSimulator({ port, host, mode, seed, wakeUpOnStart: !values['no-wake-up'], noMedia: values['no-media'] ?? false, advertise: values.advertise ?? false });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      process.stderr.write(`reachy-console sim: cannot listen on ${host}:${port}: ${e.code ?? e.message}\n`);
      return 1;
    }
    process.stdout.write(`${sim.url}\n`);
    log.info(`simulator (${mode}, seed ${seed}) listening on ${sim.url}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await sim.stop();
    return 0;
  },
};
