/**
 * R1 (runner): applied-step rate with and without pipelineInference when inference and apply take about the same
 * time. Real parts: the simulator + driver on the in-process mesh, the Reachy connector (realtime commands at
 * `hz`), the demo policy server over the websocket transport with a pretend inference time equal to the chunk's
 * apply time. Reflex documents "roughly doubles the effective control rate when apply ≈ infer".
 */
import { setStderrLogging } from '../../src/main/log';
import { ReachyMiniConnector, runSession, startDemoPolicyServer, WebSocketTransport } from '../../src/main/runner';
import { startSimStack } from '../../src/main/app/sim-stack';
import { round, type Bench } from './harness';

const STEPS = 40;
const CHUNK = 3;
const HZ = 50; // 3 rows at 50 Hz = 60 ms of apply per chunk
const INFER_MS = 60;

export const runnerPipeline: Bench = {
  id: 'R1',
  name: 'policy runner: applied steps/s, pipelined vs serial (infer ≈ apply ≈ 60 ms)',
  async run() {
    setStderrLogging(false);
    const stack = await startSimStack({ wakeUp: false, stateHz: 0, media: false });
    const server = await startDemoPolicyServer({ chunkLen: CHUNK, inferDelayMs: INFER_MS });
    try {
      const once = async (pipelineInference: boolean): Promise<{ rate: number; applied: number }> => {
        const t0 = performance.now();
        const r = await runSession({
          connector: new ReachyMiniConnector(stack.mesh, { device_id: stack.deviceId, hz: HZ }),
          transport: new WebSocketTransport({ url: server.url }),
          mode: 'apply_actions',
          maxSteps: STEPS,
          pipelineInference,
          stopOnError: false,
          heartbeatIntervalS: 0,
        });
        const s = (performance.now() - t0) / 1000;
        if (r.errors.length) throw new Error(`session errors: ${r.errors[0]}`);
        return { rate: r.appliedSteps / s, applied: r.appliedSteps };
      };
      await once(true); // warm-up (JIT, sockets, sharp)
      const serial = await once(false);
      const piped = await once(true);
      const ratio = piped.rate / serial.rate;
      return {
        id: 'R1',
        name: runnerPipeline.name,
        metrics: {
          serial_steps_per_s: round(serial.rate, 2),
          pipelined_steps_per_s: round(piped.rate, 2),
          ratio: round(ratio, 2),
          applied_each: piped.applied,
        },
        target: 'pipelined ≥ 1.5× serial (ideal 2×)',
        pass: ratio >= 1.5,
        notes: `${STEPS} steps each, chunk ${CHUNK} rows at ${HZ} Hz, inference ${INFER_MS} ms`,
      };
    } finally {
      await server.close();
      await stack.close();
    }
  },
};
