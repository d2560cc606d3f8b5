/** The runner ConsoleApi group on the simulator: what the console panel calls. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setStderrLogging } from '../../../src/main/log';
import type { ConsolePush, RunnerStatus } from '../../../src/shared/console-api';
import { ConsoleApiError } from '../../../src/shared/console-api/protocol';
import { runnerStartInput } from '../../../src/shared/console-api/runner';
import { createRunnerService } from '../../../src/main/runner/console-service';
import { startSimStack, type SimStack as RunnerSimStack } from '../../../src/main/app/sim-stack';
import { errorMessage } from '../../../src/shared/errors';

let stack: RunnerSimStack;
const pushes: RunnerStatus[] = [];
let service: ReturnType<typeof createRunnerService>;

beforeAll(async () => {
  setStderrLogging(false);
  stack = await startSimStack({ wakeUp: false, stateHz: 0 });
  service = createRunnerService({
    mesh: () => stack.mesh,
    push: (p: ConsolePush) => {
      if (p.type === 'runner_heartbeat') pushes.push(p.heartbeat);
    },
    logger: createLogger('test'),
    dataDir: '/tmp',
  });
});
afterAll(async () => {
  await service.close();
  await stack.close();
});

const start = (input: unknown) => service.handlers.runnerStart(runnerStartInput.parse(input)) as Promise<RunnerStatus>;

describe('runner console service', () => {
  it('starts the demo policy in dry_run by default, pushes advancing counters, and stops', async () => {
    pushes.length = 0;
    stack.sim.clearTargetLog();
    const s = await start({ controlPeriodS: 0.05 });
    expect(s).toMatchObject({ running: true, mode: 'dry_run', source: 'demo', transport: 'websocket' });
    await expect(start({})).rejects.toThrow(/already running/);
    await expect.poll(() => pushes.at(-1)?.steps ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const end = (await service.handlers.runnerStop({})) as RunnerStatus;
    expect(end).toMatchObject({ running: false, applied_steps: 0, endReason: 'aborted' });
    expect(end.steps).toBeGreaterThanOrEqual(3);
    expect(pushes.at(-1)).toMatchObject({ running: false });
    expect(stack.sim.targetLog()).toEqual([]); // dry_run: nothing reached the robot
  });

  it('apply_actions with maxSteps ends by itself with the robot moved and the last chunk shown', async () => {
    stack.sim.clearTargetLog();
    await start({ mode: 'apply_actions', maxSteps: 3, controlPeriodS: 0, policy: { kind: 'demo', transport: 'openpi' } });
    await expect.poll(async () => ((await service.handlers.runnerStatus({})) as RunnerStatus).running, { timeout: 10_000 }).toBe(false);
    const s = (await service.handlers.runnerStatus({})) as RunnerStatus;
    expect(s).toMatchObject({ steps: 3, applied_steps: 3, safe_stops: 0, endReason: 'max_steps', transport: 'openpi' });
    expect((s.lastActionChunk as number[][])[0]).toHaveLength(9);
    expect(stack.sim.targetLog().length).toBeGreaterThan(0);
  });

  it('refuses module kinds and bad YAML fields with the field named', async () => {
    const err = await start({ yaml: 'target: { kind: websocket, url: "ws://127.0.0.1:1/" }\nhardware: { kind: ./evil.js:X }\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsoleApiError);
    expect((err as ConsoleApiError).body).toMatchObject({ code: 'bad_request', field: 'hardware.kind' });
    const err2 = await start({ yaml: 'target: { kind: websocket }\nhardware: { kind: reachy_mini, config: { hz: 500 } }\n' }).catch((e: unknown) => e);
    expect((err2 as ConsoleApiError).body.message).toMatch(/target\.url: missing required field/);
    expect((err2 as ConsoleApiError).body.message).toMatch(/hardware\.config\.hz/);
  });

  it('a policy server that is not there fails the start with the reason, leaving nothing running', async () => {
    const err = await start({ policy: { kind: 'websocket', url: 'ws://127.0.0.1:9/', timeoutS: 1 }, camera: false }).catch((e: unknown) => e);
    expect((err as ConsoleApiError).body).toMatchObject({ code: 'unavailable' });
    expect(errorMessage(err)).toMatch(/could not start: transport_connect/);
    expect(await service.handlers.runnerStatus({})).toMatchObject({ running: false, endReason: 'failed_to_start' });
  });
});
