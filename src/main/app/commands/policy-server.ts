/** `reachy-console policy-server --demo`: the built-in demo policy on every runner transport, until Ctrl-C. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import { listenOrExplain } from '../../listen-error';
import { DEFAULT_POLICY_SERVER_PORT } from '../../../shared/ports';
import { startDemoPolicyServer } from '../../runner';

const HELP = `Usage: reachy-console policy-server --demo [options]

Serves the built-in demo policy (turn the head toward the most changed, else brightest, region of the camera
image; a slow sweep without a camera) so a policy run can be tried end to end on the simulator:

  ws://<host>:<port>/         websocket transport (JSON; metadata frame first)
  ws://<host>:<port>/openpi   openpi transport (msgpack-numpy)
  http://<host>:<port>/act    http transport (POST)

Options:
  --demo                 Serve the demo policy (the only policy built in)
  --port <n>             Port (default ${DEFAULT_POLICY_SERVER_PORT}; 0 = any free port)
  --host <addr>          Bind address (default 127.0.0.1)
  --chunk-len <n>        Action rows per chunk, 1-100 (default 5)
  --infer-delay-ms <n>   Pretend inference time in ms, 0-10000 (default 0)
  -h, --help             This help

Then, in another terminal:  reachy-console run examples/robot.yaml --sim
`;

function intFlag(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}=${v} must be an integer in [${min}, ${max}]`);
  return n;
}

export const command: CliCommand = {
  summary: 'Demo policy server for the policy runner (--demo)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        demo: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        'chunk-len': { type: 'string' },
        'infer-delay-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.demo) throw new UsageError('only the built-in demo policy can be served: pass --demo (see --help)');
    const port = intFlag('port', values.port, DEFAULT_POLICY_SERVER_PORT, 0, 65535);
    const chunkLen = intFlag('chunk-len', values['chunk-len'], 5, 1, 100);
    const inferDelayMs = intFlag('infer-delay-ms', values['infer-delay-ms'], 0, 0, 10_000);
    const host = values.host ?? '127.0.0.1';
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new UsageError(`--host=${host} is not an address`);
    const log = createLogger('policy-server');
    const server = await listenOrExplain(() => startDemoPolicyServer({ port, host, chunkLen, inferDelayMs, logger: log }), { port, host, change: '--port <n>' });
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    const s = server.stats();
    await server.close();
    log.info(`stopped after ${s.requests} requests (json ${s.byProtocol.json}, openpi ${s.byProtocol.openpi}, http ${s.byProtocol.http})`);
    return 0;
  },
};
