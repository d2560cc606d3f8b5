import { describe, expect, it } from 'vitest';
import { DEG, INIT_ANTENNAS, INIT_HEAD_POSE, SLEEP_ANTENNAS, SLEEP_HEAD_POSE, mat4ToPose, poseToMat4, yawOf } from '../../../src/main/reachy/kinematics';
import type { SimMode } from '../../../src/main/sim/model';
import { RobotModel } from '../../../src/main/sim/model';
import { createRng } from '../../../src/main/sim/rng';

const T0 = Date.UTC(2026, 0, 1);
const pose = (o: Partial<Record<'x' | 'y' | 'z' | 'roll' | 'pitch' | 'yaw', number>>) =>
  poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0, ...o });

function setup(mode: SimMode = 'mockup', seed = 1) {
  let now = T0;
  let n = 0;
  const sounds: string[] = [];
  const model = new RobotModel({ mode, rng: createRng(seed), now, newUuid: () => `u${n++}`, onSound: (f) => sounds.push(f) });
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 20) model.tick((now += 20));
  };
  model.tick((now += 20));
  return { model, run, sounds };
}

const expectPose = (a: number[], b: number[], tol = 1e-6) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol));

describe('simulated robot model', () => {
  for (const mode of ['mockup', 'robot'] as const) {
    it(`${mode}: wake_up ends at the init pose, goto_sleep at the sleep pose with motors off`, async () => {
      const { model, run, sounds } = setup(mode);
      expectPose(model.presentState().headPose, SLEEP_HEAD_POSE);
      const wake = model.wakeUp('rest');
      run(4000);
      expect(await wake.done).toEqual({ status: 'completed' });
      expectPose(model.presentState().headPose, INIT_HEAD_POSE);
      expect(model.presentState().antennas).toEqual(INIT_ANTENNAS);
      expect(model.presentState().joints[1]).toBeCloseTo(0.6265, 3);
      expect(sounds).toEqual(['wake_up.wav']);
      const sleep = model.gotoSleep('rest');
      run(8000);
      expect(await sleep.done).toEqual({ status: 'completed' });
      expectPose(model.presentState().headPose, SLEEP_HEAD_POSE);
      expect(model.presentState().antennas).toEqual(SLEEP_ANTENNAS);
      expect(model.motorMode).toBe('disabled');
      expect(sounds).toEqual(['wake_up.wav', 'go_sleep.wav']);
    });
  }

  it('holds the last reachable pose when a target is unreachable', () => {
    const { model, run } = setup();
    model.setTarget({ head: pose({ pitch: 10 * DEG }) }, 'rest');
    run(40);
    const held = model.presentState();
    for (const bad of [pose({ pitch: 60 * DEG }), pose({ z: 0.03 }), pose({ x: 1e300 }), [1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]]) {
      model.setTarget({ head: bad }, 'rest');
      run(40);
      expectPose(model.presentState().headPose, held.headPose, 1e-12);
    }
    model.setTarget({ bodyYaw: Number.NaN, antennas: [Number.POSITIVE_INFINITY, 0.5] }, 'rest');
    run(40);
    expect(model.presentState().bodyYaw).toBe(held.bodyYaw);
    expect(model.presentState().antennas).toEqual([held.antennas[0], 0.5]);
  });

  it('drags the body with the head beyond 65° and never past ±160°', () => {
    const { model, run } = setup();
    model.setTarget({ head: pose({ yaw: 100 * DEG }), bodyYaw: 0 }, 'rest');
    run(40);
    expect(model.presentState().bodyYaw).toBeCloseTo(35 * DEG, 9);
    model.automaticBodyYaw = false;
    model.setTarget({ head: pose({ yaw: 0 }), bodyYaw: 170 * DEG }, 'rest');
    run(40);
    expect(Math.abs(model.presentState().bodyYaw)).toBeLessThanOrEqual(160 * DEG + 1e-9);
  });

  it('ignores set_target while a move runs and drops a second move (reported completed)', async () => {
    const { model, run } = setup();
    const first = model.goto({ head: pose({ yaw: 0.5 }) }, 1, 'linear', 'rest');
    run(100);
    expect(model.setTarget({ head: pose({ yaw: -0.5 }) }, 'ws_sdk')).toBe('ignored');
    const second = model.goto({ head: pose({ yaw: -0.5 }) }, 1, 'linear', 'rest');
    expect(await second.done).toEqual({ status: 'completed' });
    run(1000);
    expect(await first.done).toEqual({ status: 'completed' });
    expect(yawOf(model.presentState().headPose)).toBeCloseTo(0.5, 9);
    const log = model.targetLog();
    expect(log.map((e) => [e.kind, e.accepted])).toEqual([
      ['goto', true],
      ['set_target', false],
      ['goto', false],
    ]);
  });

  it('interpolates with the requested curve (linear is halfway at half time)', () => {
    const { model, run } = setup();
    model.setTarget({ head: INIT_HEAD_POSE, antennas: [0, 0] }, 'rest');
    run(20);
    model.goto({ antennas: [1, -1] }, 1, 'linear', 'rest');
    run(500);
    expect(model.presentState().antennas[0]).toBeCloseTo(0.5, 1);
    model.stopMove();
    expect(model.isMoveRunning()).toBe(false);
  });

  it('robot mode follows with rate limits; with motors disabled it does not move', () => {
    const { model, run } = setup('robot');
    model.setTarget({ head: INIT_HEAD_POSE, antennas: [0, 0] }, 'rest');
    run(20);
    const p1 = mat4ToPose(model.presentState().headPose);
    expect(p1.pitch).toBeGreaterThan(0.2); // not there after one tick (sleep pitch ≈ 0.43)
    run(1000);
    expectPose(model.presentState().headPose, INIT_HEAD_POSE);
    model.setMotorMode('disabled');
    model.setTarget({ head: pose({ yaw: 0.4 }) }, 'rest');
    run(500);
    expectPose(model.presentState().headPose, INIT_HEAD_POSE);
  });

  it('synthesises gravity in the head frame and a gyro from the pose rate', () => {
    const { model, run } = setup();
    model.setTarget({ head: INIT_HEAD_POSE }, 'rest');
    run(100);
    const still = model.imuState()!;
    expect(still.accelerometer[2]).toBeCloseTo(9.81, 1);
    expect(still.quaternion[0]).toBeCloseTo(1, 6);
    model.setTarget({ head: pose({ pitch: 20 * DEG }) }, 'rest');
    run(100);
    const tilted = model.imuState()!;
    // Nose down: "up" leans back, so the specific force has a −x component in the head frame.
    expect(tilted.accelerometer[0]).toBeCloseTo(-9.81 * Math.sin(20 * DEG), 1);
    const g = new RobotModel({ mode: 'robot', rng: createRng(3), now: T0, newUuid: () => 'x' });
    g.tick(T0 + 20);
    g.setTarget({ head: INIT_HEAD_POSE }, 'rest');
    g.tick(T0 + 40);
    expect(g.imuState()!.gyroscope[1]).toBeLessThan(-1); // pitching up at the rate limit
  });

  it('is deterministic for a seed, and the seed changes the noise', () => {
    const stream = (seed: number) => {
      const { model, run } = setup('robot', seed);
      const out: unknown[] = [];
      model.wakeUp('rest');
      for (let i = 0; i < 100; i++) {
        run(20);
        out.push([model.presentState(), model.imuState()]);
      }
      return JSON.stringify(out);
    };
    expect(stream(7)).toBe(stream(7));
    expect(stream(7)).not.toBe(stream(8));
  });
});
