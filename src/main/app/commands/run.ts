/** `reachy-console run robot.yaml`: a policy session from a YAML config (docs/ARCHITECTURE.md). */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../log';
import type { MeshClient } from '../../mesh';
import { readConfigFile } from '../../runner';
import { startDemoPolicyServer, type DemoPolicyServer } from '../../runner';
import { ConfigError, errorMessage } from '../../runner';
import { runFromConfig } from '../../runner';
import type { RunMode } from '../../runner';

const HELP = `Usage: reachy-console run <robot.yaml> [options]

Runs a policy: observe the robot (and cameras), send the observation to the policy server, apply the action chunk.
The config is validated whole before anything starts (errors name the bad field, e.g. target.timeout_s).
See examples/robot.yaml.

Options:
  --json               Print the result as one JSON object on stdout
  --sim                Run a simulated Reachy Mini and its driver in this process (no broker needed)
  --demo               Serve the built-in demo policy in this process and use it as the target (websocket)
  --mode <m>           Override the config's mode: dry_run | apply_actions
  --max-steps <n>      Override the config's max_steps (0 = until Ctrl-C)
  --device-id <id>     Device id of the simulated robot with --sim (default reachy-mini-1)
  -h, --help           This help

Without --sim the robot is reached over the Device Connect mesh configured by the environment
(NATS_URL / MESSAGING_URLS, MESSAGING_CREDENTIALS_FILE, TENANT, DEVICE_CONNECT_ALLOW_INSECURE, ...).
Exit codes: 0 done, 1 the session ended on an error or could not start, 2 bad flags or config.

Quick start on the simulator:  reachy-console run examples/robot.yaml --sim --demo
`;

export const command: CliCommand = {
  summary: 'Run a learned policy on the robot from a YAML config (--sim: on a simulator)',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        sim: { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        mode: { type: 'string' },
        'max-steps': { type: 'string' },
        'device-id': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('expects exactly one config file: reachy-console run <robot.yaml>');
    const file = positionals[0];
    let mode: RunMode | undefined;
    if (values.mode !== undefined) {
      if (values.mode !== 'dry_run' && values.mode !== 'apply_actions') throw new UsageError(`--mode=${values.mode} must be dry_run or apply_actions`);
      mode = values.mode;
    }
    let maxSteps: number | undefined;
    if (values['max-steps'] !== undefined) {
      maxSteps = Number(values['max-steps']);
      if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new UsageError(`--max-steps=${values['max-steps']} must be an integer ≥ 0`);
    }
    const deviceId = values['device-id'];
    if (deviceId !== undefined && !values.sim) throw new UsageError('--device-id only applies with --sim');
    if (deviceId !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/.test(deviceId)) throw new UsageError(`--device-id=${deviceId} is not a device id`);

    const log = createLogger('runner');
    const out = (o: unknown): void => {
      process.stdout.write(JSON.stringify(o) + '\n');
    };
    const fail = (code: number, message: string, extra: Record<string, unknown> = {}): number => {
      if (values.json) out({ ok: false, config: file, error: message, ...extra });
      else process.stderr.write(`reachy-console run: ${message}\n`);
      return code;
    };

    const cleanups: Array<() => Promise<void>> = [];
    const ac = new AbortController();
    const onSignal = (): void => {
      if (ac.signal.aborted) process.exit(130);
      log.info('interrupted: stopping the session (Ctrl-C again to quit at once)');
      ac.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      // Validate the file up front (before any simulator or server starts).
      let raw: unknown;
      let baseDir: string;
      try {
        ({ raw, baseDir } = readConfigFile(file));
      } catch (err) {
        if (err instanceof ConfigError) return fail(2, err.message, { issues: err.issues });
        throw err;
      }
      let demo: DemoPolicyServer | undefined;
      if (values.demo && raw && typeof raw === 'object') {
        demo = await startDemoPolicyServer({ port: 0, logger: log.child('demo') });
        cleanups.push(() => demo!.close());
        raw = { ...(raw as object), target: { kind: 'websocket', url: demo.url } };
      }
      let meshP: Promise<MeshClient> | undefined;
      const mesh = (): Promise<MeshClient> => {
        meshP ??= (async () => {
          if (values.sim) {
            const { startSimStack } = await import('../sim-stack');
            const stack = await startSimStack({ wakeUp: false, stateHz: 0, logger: log, ...(deviceId ? { deviceId } : {}) });
            cleanups.push(() => stack.close());
            return stack.mesh;
          }
          const m = await import('../../mesh');
          const { meshConfigFromEnv } = await import('../../mesh');
          const cfg = meshConfigFromEnv(process.env);
          const connection = await m.openMesh(cfg);
          const client = m.createMeshClient({ connection, ownsConnection: true, logger: log.child('mesh') });
          cleanups.push(() => client.close());
          return client;
        })();
        return meshP;
      };
      try {
        const result = await runFromConfig(raw as object, {
          baseDir,
          mesh,
          signal: ac.signal,
          logger: log,
          overrides: { ...(mode ? { mode } : {}), ...(maxSteps !== undefined ? { maxSteps } : {}) },
          onHeartbeat: (s) =>
            log.info(
              `heartbeat step=${s.step} applied_steps=${s.applied_steps} safe_stops=${s.safe_stops} errors=${s.errors} stale=${s.stale_chunks} rate=${s.rate_hz.toFixed(2)} Hz`,
            ),
        });
        const ok = result.endReason !== 'error';
        const summary = {
          ok,
          config: path.relative(process.cwd(), path.resolve(file)) || file,
          steps: result.steps,
          appliedSteps: result.appliedSteps,
          safeStops: result.safeStops,
          errors: result.errors,
          staleChunks: result.staleChunks,
          endReason: result.endReason,
          lastActionChunk: result.lastActionChunk,
        };
        if (values.json) out(summary);
        else {
          process.stdout.write(
            `${ok ? 'done' : 'ended on error'}: steps=${result.steps} applied=${result.appliedSteps} safe_stops=${result.safeStops} ` +
              `stale=${result.staleChunks} errors=${result.errors.length} (${result.endReason})\n`,
          );
          for (const e of result.errors.slice(0, 10)) process.stdout.write(`  ${e}\n`);
        }
        return ok ? 0 : 1;
      } catch (err) {
        if (err instanceof ConfigError) return fail(2, err.message, { issues: err.issues });
        return fail(1, errorMessage(err));
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const c of cleanups.reverse()) await c().catch((e: unknown) => log.warn(`shutdown: ${errorMessage(e)}`));
    }
  },
};
