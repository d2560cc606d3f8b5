import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStderrLogging } from '../../../src/main/log';
import {
  runSession,
  startDemoPolicyServer,
  WebSocketTransport,
  type ActionChunk,
  type DemoPolicyServer,
  type HeartbeatStats,
  type Observation,
  type PolicyTransport,
  type RobotConnector,
} from '../../../src/main/runner';

/** A connector that records what the session asks of it (the interface a user implements). */
class RecordingRobot implements RobotConnector {
  events: string[] = [];
  applied: ActionChunk[] = [];
  safeStops = 0;
  failApplyAt = new Set<number>();
  applyDelayMs = 0;
  private n = 0;
  async start(): Promise<void> {
    this.events.push('start');
  }
  async getObservation(): Promise<Observation> {
    this.events.push('observe');
    return { state: [0, 0, 0, 0, 0, 0, 0, 0, 0] };
  }
  async applyAction(chunk: ActionChunk): Promise<void> {
    const k = this.n++;
    this.events.push('apply-begin');
    if (this.applyDelayMs) await new Promise((r) => setTimeout(r, this.applyDelayMs));
    this.events.push('apply-end');
    if (this.failApplyAt.has(k)) throw new Error(`motor fault at apply ${k}`);
    this.applied.push(chunk);
  }
  async safeStop(): Promise<void> {
    this.safeStops++;
    this.events.push('safe_stop');
  }
  async stop(): Promise<void> {
    this.events.push('stop');
  }
}

let server: DemoPolicyServer;
beforeAll(async () => {
  setStderrLogging(false);
  server = await startDemoPolicyServer({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

const ws = (): PolicyTransport => new WebSocketTransport({ url: server.url, timeoutS: 10 });

describe('runSession', () => {
  it('dry_run (the default) runs the whole loop and never applies an action', async () => {
    const robot = new RecordingRobot();
    const r = await runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, maxSteps: 6 });
    expect(r.steps).toBe(6);
    expect(r.appliedSteps).toBe(0);
    expect(robot.applied).toHaveLength(0);
    expect(robot.events.filter((e) => e === 'observe')).toHaveLength(6);
    expect(r.lastActionChunk?.length).toBeGreaterThan(0);
    expect(r.endReason).toBe('max_steps');
    expect(robot.events.at(-1)).toBe('stop');
  });

  it('apply_actions applies every chunk and the counts add up', async () => {
    const robot = new RecordingRobot();
    const r = await runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, maxSteps: 8, mode: 'apply_actions', pipelineInference: false });
    expect(r).toMatchObject({ steps: 8, appliedSteps: 8, safeStops: 0, errors: [], staleChunks: 0 });
    expect(robot.applied.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('pipelineInference observes the next step while the current chunk is being applied', async () => {
    const serial = new RecordingRobot();
    serial.applyDelayMs = 30;
    await runSession({ connector: serial, transport: ws(), maxChunkAgeS: 0, maxSteps: 4, mode: 'apply_actions', pipelineInference: false });
    const piped = new RecordingRobot();
    piped.applyDelayMs = 30;
    const r = await runSession({ connector: piped, transport: ws(), maxChunkAgeS: 0, maxSteps: 4, mode: 'apply_actions', pipelineInference: true });
    expect(r.appliedSteps).toBe(4);
    // At each apply, how many observations are ahead of the applies already finished: 1 serial, 2 when the next
    // inference overlaps this apply (except the last step, which has no next one).
    const overlap = (ev: string[]): number => {
      let obs = 0;
      let ends = 0;
      let n = 0;
      for (const e of ev) {
        if (e === 'observe') obs++;
        if (e === 'apply-end') ends++;
        if (e === 'apply-begin' && obs - ends === 2) n++;
      }
      return n;
    };
    expect(overlap(serial.events)).toBe(0);
    expect(overlap(piped.events)).toBe(3);
    expect(piped.events.filter((e) => e === 'observe')).toHaveLength(4); // never more than maxSteps inferences
  });

  it('with stopOnError=false an apply error calls safeStop and the loop continues', async () => {
    const robot = new RecordingRobot();
    robot.failApplyAt = new Set([1, 3]);
    const r = await runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, maxSteps: 6, mode: 'apply_actions', stopOnError: false });
    expect(r.steps).toBe(6);
    expect(r.safeStops).toBe(2);
    expect(robot.safeStops).toBe(2);
    expect(r.appliedSteps).toBe(4);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/apply: motor fault at apply 1/);
    expect(r.appliedSteps + r.safeStops + r.staleChunks).toBe(r.steps);
  });

  it('with stopOnError=true the first error safe-stops and ends the session', async () => {
    const robot = new RecordingRobot();
    robot.failApplyAt = new Set([2]);
    const r = await runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, maxSteps: 10, mode: 'apply_actions', stopOnError: true });
    expect(r.endReason).toBe('error');
    expect(r.steps).toBe(3);
    expect(r.safeStops).toBe(1);
    expect(robot.events.slice(-2)).toEqual(['safe_stop', 'stop']);
  });

  it('a stalled policy server times out, safe-stops the robot and is counted; the loop recovers', async () => {
    const robot = new RecordingRobot();
    server.setFault({ kind: 'stall' });
    const beats: HeartbeatStats[] = [];
    let step = 0;
    const unstall = setInterval(() => {
      if (robot.safeStops >= 2 && step === 0) {
        step = 1;
        server.setFault({ kind: 'none' });
      }
    }, 10);
    try {
      const r = await runSession({
        connector: robot,
        transport: new WebSocketTransport({ url: server.url, timeoutS: 1 }),
        maxSteps: 5,
        mode: 'apply_actions',
        stopOnError: false,
        heartbeatIntervalS: 0,
        onHeartbeat: (s) => beats.push(s),
      });
      expect(r.safeStops).toBeGreaterThanOrEqual(2);
      expect(r.errors[0]).toMatch(/transport_timeout/);
      expect(r.appliedSteps).toBeGreaterThan(0);
      expect(r.appliedSteps + r.safeStops).toBe(r.steps);
      expect(beats.at(-1)).toMatchObject({ step: 5, applied_steps: r.appliedSteps, safe_stops: r.safeStops, running: false });
    } finally {
      clearInterval(unstall);
      server.setFault({ kind: 'none' });
    }
  });

  it('a policy error reply is a typed error, safe-stops and is counted', async () => {
    const robot = new RecordingRobot();
    server.setFault({ kind: 'error', message: 'model exploded' });
    try {
      const r = await runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, maxSteps: 3, mode: 'apply_actions', stopOnError: false });
      expect(r).toMatchObject({ steps: 3, appliedSteps: 0, safeStops: 3 });
      expect(r.errors[0]).toMatch(/policy_error: policy_error: model exploded/);
    } finally {
      server.setFault({ kind: 'none' });
    }
  });

  it('drops chunks older than maxChunkAgeS and counts them', async () => {
    const robot = new RecordingRobot();
    server.setInferDelayMs(60);
    try {
      const r = await runSession({ connector: robot, transport: ws(), maxSteps: 3, mode: 'apply_actions', maxChunkAgeS: 0.01 });
      expect(r).toMatchObject({ steps: 3, appliedSteps: 0, staleChunks: 3, safeStops: 0 });
      expect(robot.applied).toHaveLength(0);
    } finally {
      server.setInferDelayMs(0);
    }
  });

  it('sends periodic heartbeats with step, applied_steps and safe_stops, and stops on abort', async () => {
    const robot = new RecordingRobot();
    const ac = new AbortController();
    const beats: HeartbeatStats[] = [];
    const r = await runSession({
      connector: robot,
      transport: ws(),
      mode: 'apply_actions',
      controlPeriodS: 0.02,
      heartbeatIntervalS: 0.05,
      onHeartbeat: (s) => {
        beats.push(s);
        if (beats.length >= 3) ac.abort();
      },
      signal: ac.signal,
    });
    expect(r.endReason).toBe('aborted');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    for (const b of beats) expect(b).toEqual(expect.objectContaining({ step: expect.any(Number), applied_steps: expect.any(Number), safe_stops: expect.any(Number) }));
    expect(robot.events).toContain('safe_stop'); // an interrupted apply_actions run leaves the robot stopped
    expect(robot.events.at(-1)).toBe('stop');
  });

  it('rejects bad options naming the field, before starting anything', async () => {
    const robot = new RecordingRobot();
    await expect(runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, controlPeriodS: -1 })).rejects.toThrow(/controlPeriodS=-1 outside allowed range/);
    await expect(runSession({ connector: robot, transport: ws(), maxChunkAgeS: 0, mode: 'fly' as never })).rejects.toThrow(/mode='fly'/);
    expect(robot.events).toEqual([]);
  });

  it('a server that is not there fails the start and leaves nothing running', async () => {
    const robot = new RecordingRobot();
    await expect(
      runSession({ connector: robot, transport: new WebSocketTransport({ url: 'ws://127.0.0.1:9/', connectTimeoutS: 1 }), maxSteps: 1 }),
    ).rejects.toThrow(/cannot connect/);
    expect(robot.events).toEqual(['start', 'stop']);
  });
});
