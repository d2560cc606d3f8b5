/** `reachy-console sim`: the standalone simulator; prints its URL on stdout and runs until interrupted. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { listenOrExplain } from '../../listen-error';
import { createLogger } from '../../log';
import { DEFAULT_SIM_PORT } from '../../../shared/ports';

const HELP = `Usage: reachy-console sim [options]

Starts a daemon-compatible simulated Reachy Mini (REST under /api, /ws/sdk) with its camera (GET /api/camera/frame),
microphone and a WebRTC producer 'reachymini' on a webrtcsink-compatible signalling server
(GET /api/media/webrtc names its URL), and prints its URL.

Options:
  --port <n>          port to listen on (0 = a free port; default ${DEFAULT_SIM_PORT})
  --host <addr>       address to bind (default 127.0.0.1)
  --webrtc-port <n>   WebRTC signalling port (default 0 = a free port; the robot's is 8443)
  --mode <m>          robot (follows targets with rate limits) | mockup (snaps to targets); default robot
  --seed <n>          seed of the simulated noise (default 1)
  --no-wake-up        start asleep instead of playing wake_up at start
  --no-media          no camera, microphone or WebRTC (the daemon reports no_media: true)
  --advertise         announce _reachy-mini._tcp over mDNS
  -h, --help          this help
`;

const portFlag = (name: string, v: string | undefined, def: number): number => {
  const port = v === undefined ? def : Number(v);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${name}=${v} must be an integer in [0, 65535]`);
  return port;
};

export const command: CliCommand = {
  summary: 'run the simulated Reachy Mini daemon (REST + /ws/sdk, camera, WebRTC)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'webrtc-port': { type: 'string' },
        mode: { type: 'string' },
        seed: { type: 'string' },
        'no-wake-up': { type: 'boolean' },
        'no-media': { type: 'boolean' },
        advertise: { type: 'boolean' },
      },
      strict: true,
    });
    const port = portFlag('port', values.port, DEFAULT_SIM_PORT);
    const webrtcPort = portFlag('webrtc-port', values['webrtc-port'], 0);
    const mode = values.mode ?? 'robot';
    if (mode !== 'robot' && mode !== 'mockup') throw new UsageError(`--mode=${mode} is not allowed (allowed: robot, mockup)`);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed=${values.seed} must be an integer in [0, 4294967295]`);
    const host = values.host ?? '127.0.0.1';
    const noMedia = values['no-media'] ?? false;
    const { startSimulator } = await import('../../sim');
    const log = createLogger('sim');
    const sim = await listenOrExplain(
      () => startSimulator({ port, host, mode, seed, wakeUpOnStart: !values['no-wake-up'], noMedia, advertise: values.advertise ?? false }),
      { port, host, change: '--port <n>' },
    );
    // The same media as the console's bundled simulator: camera routes on the sim's port, WebRTC signalling on its
    // own port of the same address.
    let media: { close(): Promise<void> } | null = null;
    if (!noMedia) {
      try {
        const { attachSimMedia } = await import('../../sim/media');
        media = await listenOrExplain(
          () => attachSimMedia(sim, { logger: log.child('media'), webrtc: { port: webrtcPort, host, failOnListenError: true } }),
          { port: webrtcPort, host, change: '--webrtc-port <n>' },
        );
      } catch (err) {
        await sim.stop();
        throw err;
      }
    }
    process.stdout.write(`${sim.url}\n`);
    log.info(`simulator (${mode}, seed ${seed}) listening on ${sim.url}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await media?.close();
    await sim.stop();
    return 0;
  },
};
