/**
 * A custom connector for the policy runner: any class with start / getObservation / applyAction / safeStop / stop.
 * Use it from YAML by module path, resolved from the YAML file's folder:
 *
 *   hardware: { kind: ./my-robot.js:MyRobot, config: { joints: 2, hz: 10 } }
 *
 * This one is a pretend pan-tilt unit kept in memory: it "moves" its joints toward each action row and counts what
 * it applied, so a policy can be tried without any hardware. Replace the bodies with your robot's I/O.
 */
import type { ActionChunk, ConnectorStartContext, Observation, RobotConnector } from '../src/main/runner';

export interface MyRobotConfig {
  joints?: number;
  hz?: number;
}

export class MyRobot implements RobotConnector {
  readonly joints: number[];
  private readonly hz: number;
  applied = 0;
  stops = 0;
  started = false;

  constructor(config: MyRobotConfig = {}) {
    const n = config.joints ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`joints=${String(n)} outside allowed range [1, 64]`);
    this.joints = new Array<number>(n).fill(0);
    this.hz = config.hz ?? 10;
  }

  async start(_ctx?: ConnectorStartContext): Promise<void> {
    this.started = true; // open the serial port / CAN bus here
  }

  async getObservation(): Promise<Observation> {
    return { state: [...this.joints] };
  }

  async applyAction(chunk: ActionChunk, signal?: AbortSignal): Promise<void> {
    for (const row of chunk.actions) {
      if (signal?.aborted) return;
      // Use the first `joints` values of each row; a real robot would command its motors here.
      for (let i = 0; i < this.joints.length; i++) if (Number.isFinite(row[i])) this.joints[i] = row[i];
      this.applied++;
      await new Promise((r) => setTimeout(r, 1000 / this.hz));
    }
  }

  async safeStop(): Promise<void> {
    this.stops++; // hold position / cut torque
  }

  async stop(): Promise<void> {
    this.started = false;
  }
}
