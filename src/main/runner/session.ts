/**
 * The runner loop (reflex-connect semantics, docs/PRIOR-ART.md §A.2): observe → infer → apply.
 * - `dry_run` (default) runs the whole loop but never calls `applyAction`.
 * - `pipelineInference` starts the next observe+infer while the current chunk is being applied.
 * - An observe/infer/apply error calls `connector.safeStop()` (counted); `stopOnError` then ends the session,
 *   otherwise the loop continues.
 * - A chunk older than `maxChunkAgeS` (measured from its observation) is dropped and counted, never applied.
 * Every step ends in exactly one of: applied (apply_actions) / accepted (dry_run), stale, or error.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../log';
import { ConfigError, RunnerError, errorMessage } from './errors';
import type {
  ActionChunk,
  CameraSource,
  HeartbeatStats,
  PolicyMetadata,
  PolicyObservation,
  PolicyTransport,
  RgbFrame,
  RobotConnector,
  RunMode,
  RunnerResult,
} from './types';

export interface SessionOptions {
  connector: RobotConnector;
  transport: PolicyTransport;
  cameras?: Record<string, CameraSource>;
  /** Default `dry_run`: nothing is applied to the robot. */
  mode?: RunMode;
  /** Minimum wall-clock seconds per step (0 = as fast as the pipeline goes). */
  controlPeriodS?: number;
  /** Default true (as Reflex's config): overlap the next inference with applying the current chunk. */
  pipelineInference?: boolean;
  /** Default true: the first error ends the session (after a safe stop). */
  stopOnError?: boolean;
  /** 0 (default) = until `signal` aborts. */
  maxSteps?: number;
  /** Default 10 s; 0 = no periodic heartbeat (a final one is always sent). */
  heartbeatIntervalS?: number;
  onHeartbeat?: (stats: HeartbeatStats) => void;
  /** Called once the connector, cameras and transport have started (with the server's metadata). */
  onStarted?: (metadata: PolicyMetadata) => void;
  /** Chunks older than this (from their observation's capture) are dropped. Default 2 s; 0 = never. */
  maxChunkAgeS?: number;
  /** Per-call inference timeout; default: the transport's own. */
  inferTimeoutS?: number;
  prompt?: string;
  signal?: AbortSignal;
  logger?: Logger;
}

type Outcome =
  | { ok: true; chunk: ActionChunk; obsAtMs: number }
  | { ok: false; error: unknown; phase: 'observe' | 'infer' };

function checkOptions(o: SessionOptions): void {
  const issues: { path: string; message: string }[] = [];
  const nonNeg = (path: string, v: number | undefined, max: number): void => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
      issues.push({ path, message: `${path}=${String(v)} outside allowed range [0, ${max}]` });
  };
  nonNeg('controlPeriodS', o.controlPeriodS, 3600);
  nonNeg('maxSteps', o.maxSteps, Number.MAX_SAFE_INTEGER);
  nonNeg('heartbeatIntervalS', o.heartbeatIntervalS, 3600);
  nonNeg('maxChunkAgeS', o.maxChunkAgeS, 3600);
  nonNeg('inferTimeoutS', o.inferTimeoutS, 3600);
  if (o.maxSteps !== undefined && !Number.isInteger(o.maxSteps)) issues.push({ path: 'maxSteps', message: 'must be an integer' });
  if (o.mode !== undefined && o.mode !== 'dry_run' && o.mode !== 'apply_actions')
    issues.push({ path: 'mode', message: `mode='${String(o.mode)}' must be 'dry_run' or 'apply_actions'` });
  if (issues.length) throw new ConfigError(issues);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runSession(opts: SessionOptions): Promise<RunnerResult> {
  checkOptions(opts);
  const log = opts.logger ?? createLogger('runner');
  const mode: RunMode = opts.mode ?? 'dry_run';
  const pipeline = opts.pipelineInference ?? true;
  const stopOnError = opts.stopOnError ?? true;
  const maxSteps = opts.maxSteps ?? 0;
  const periodMs = (opts.controlPeriodS ?? 0) * 1000;
  const maxAgeMs = (opts.maxChunkAgeS ?? 2) * 1000;
  const timeoutMs = opts.inferTimeoutS !== undefined ? opts.inferTimeoutS * 1000 : undefined;
  const cameras = Object.entries(opts.cameras ?? {});
  const { connector, transport } = opts;

  // One controller for everything we start; the caller's signal feeds it.
  const ctl = new AbortController();
  const onOuterAbort = (): void => ctl.abort();
  if (opts.signal?.aborted) ctl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = ctl.signal;

  const sessionId = randomBytes(4).toString('hex');
  const t0 = performance.now();
  let steps = 0;
  let applied = 0;
  let safeStops = 0;
  let stale = 0;
  const errors: string[] = [];
  let lastChunk: number[][] | null = null;
  let lastError: string | undefined;
  let endReason = 'max_steps' as RunnerResult['endReason'];
  let metadata: PolicyMetadata;

  const stats = (running: boolean): HeartbeatStats => {
    const elapsed = (performance.now() - t0) / 1000;
    return {
      step: steps,
      applied_steps: applied,
      safe_stops: safeStops,
      errors: errors.length,
      stale_chunks: stale,
      elapsed_s: elapsed,
      rate_hz: elapsed > 0 ? steps / elapsed : 0,
      ...(lastChunk ? { last_action_chunk: lastChunk } : {}),
      ...(lastError ? { last_error: lastError } : {}),
      running,
    };
  };
  const beat = (running: boolean): void => {
    if (!opts.onHeartbeat) return;
    try {
      opts.onHeartbeat(stats(running));
    } catch (err) {
      log.warn(`onHeartbeat threw: ${errorMessage(err)}`);
    }
  };

  // Start everything; undo what started if one part fails (nothing is left running or holding the robot).
  const started: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const undo of started.reverse()) {
      try {
        await undo();
      } catch (err) {
        log.warn(`shutdown: ${errorMessage(err)}`);
      }
    }
    started.length = 0;
  };
  try {
    await connector.start({ mode, signal });
    started.push(() => connector.stop());
    for (const [name, cam] of cameras) {
      try {
        await cam.start();
      } catch (err) {
        throw new Error(`camera '${name}' failed to start: ${errorMessage(err)}`, { cause: err });
      }
      started.push(() => cam.stop());
    }
    metadata = await transport.connect(signal);
    started.push(() => transport.close());
  } catch (err) {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await teardown();
    throw err;
  }
  try {
    opts.onStarted?.(metadata);
  } catch (err) {
    log.warn(`onStarted threw: ${errorMessage(err)}`);
  }
  log.info(
    `session ${sessionId}: mode=${mode} pipeline=${pipeline} stop_on_error=${stopOnError} max_steps=${maxSteps || '∞'} transport=${transport.kind}`,
  );

  let seq = 0;
  const launch = async (): Promise<Outcome> => {
    const mySeq = seq++;
    const obsAtMs = performance.now();
    const captureTimeNs = BigInt(Date.now()) * 1_000_000n;
    let obs: PolicyObservation;
    try {
      const [o, frames] = await Promise.all([
        connector.getObservation(),
        Promise.all(cameras.map(async ([name, cam]) => [name, await cam.read()] as [string, RgbFrame])),
      ]);
      const prompt = o.prompt ?? opts.prompt;
      obs = {
        seq: mySeq,
        state: o.state,
        images: { ...(o.images ?? {}), ...Object.fromEntries(frames) },
        ...(prompt !== undefined ? { prompt } : {}),
        captureTimeNs,
        requestId: `${sessionId}-${mySeq}`,
      };
    } catch (error) {
      return { ok: false, error, phase: 'observe' };
    }
    try {
      const chunk = await transport.infer(obs, { signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      return { ok: true, chunk, obsAtMs };
    } catch (error) {
      return { ok: false, error, phase: 'infer' };
    }
  };

  let launched = 0;
  const more = (): boolean => maxSteps === 0 || launched < maxSteps;
  const next = (): Promise<Outcome> => {
    launched++;
    return launch();
  };

  /** Returns true when the session must end. */
  const fail = async (phase: string, err: unknown): Promise<boolean> => {
    const line = `step ${steps}: ${phase}: ${errorMessage(err)}`;
    errors.push(line);
    lastError = line;
    log.warn(line);
    safeStops++;
    try {
      await connector.safeStop();
    } catch (stopErr) {
      const l2 = `step ${steps}: safe_stop failed: ${errorMessage(stopErr)}`;
      errors.push(l2);
      lastError = l2;
      log.error(l2);
    }
    if (stopOnError) {
      endReason = 'error';
      return true;
    }
    return false;
  };

  const hbMs = (opts.heartbeatIntervalS ?? 10) * 1000;
  const hbTimer = hbMs > 0 ? setInterval(() => beat(true), hbMs) : null;
  let pending: Promise<Outcome> | null = null;
  try {
    while (!signal.aborted) {
      const iterStart = performance.now();
      if (!pending) {
        if (!more()) break;
        pending = next();
      }
      const outcome: Outcome = await pending;
      pending = null;
      if (signal.aborted) break;
      let end = false;
      if (!outcome.ok) {
        end = await fail(outcome.phase, outcome.error);
      } else {
        const { chunk } = outcome;
        lastChunk = chunk.actions;
        const ageMs = performance.now() - outcome.obsAtMs;
        if (maxAgeMs > 0 && ageMs > maxAgeMs) {
          stale++;
          log.warn(`step ${steps}: dropped stale chunk seq=${chunk.seq} (${Math.round(ageMs)} ms old > ${maxAgeMs} ms)`);
          if (stale === 1 && pipeline)
            log.warn('with pipelined inference a chunk is as old as the previous apply: keep maxChunkAgeS above the apply time of a chunk (0 = never drop)');
        } else {
          if (pipeline && more()) pending = next(); // the next inference overlaps this apply
          if (mode === 'apply_actions') {
            try {
              await connector.applyAction(chunk, signal);
              if (!signal.aborted) applied++;
            } catch (err) {
              if (!signal.aborted) end = await fail('apply', err);
            }
          }
        }
      }
      steps++;
      if (end) break;
      await abortableSleep(iterStart + periodMs - performance.now(), signal);
    }
    if (signal.aborted && endReason !== 'error') endReason = 'aborted';
  } finally {
    if (hbTimer) clearInterval(hbTimer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    ctl.abort(); // cancels an in-flight pipelined inference
    if (pending) await pending; // never rejects: launch() returns outcomes
    // An interrupted apply_actions run leaves the robot stopped, not mid-chunk.
    if (endReason === 'aborted' && mode === 'apply_actions') {
      try {
        await connector.safeStop();
      } catch (err) {
        log.warn(`safe stop on abort: ${errorMessage(err)}`);
      }
    }
    await teardown();
  }
  beat(false);
  log.info(`session ${sessionId} ended (${endReason}): steps=${steps} applied=${applied} safe_stops=${safeStops} stale=${stale} errors=${errors.length}`);
  return { steps, appliedSteps: applied, safeStops, errors, lastActionChunk: lastChunk, staleChunks: stale, endReason, metadata };
}

export { RunnerError };
