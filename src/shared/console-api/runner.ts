/**
 * ConsoleApi methods of the policy runner panel: start a session (inline options, e.g. the built-in demo policy, or
 * a YAML config text), stop it, read its status. Live counters arrive as `runner_heartbeat` pushes carrying a
 * RunnerStatus. One session at a time; robot actions go through the console's mesh client only.
 */
import { z } from 'zod';
import { LIMITS } from '../reachy';
import { method } from './protocol';

export interface RunnerStatus {
  running: boolean;
  steps: number;
  applied_steps: number;
  safe_stops: number;
  errors: number;
  lastActionChunk?: unknown;
  // Added by the runner work (all optional):
  stale_chunks?: number;
  mode?: 'dry_run' | 'apply_actions';
  /** What is running: the built-in demo policy, inline options against a server, or a YAML config. */
  source?: 'demo' | 'inline' | 'yaml';
  deviceId?: string;
  /** Policy server URL (ws://, http://). */
  policyUrl?: string;
  transport?: string;
  rate_hz?: number;
  elapsed_s?: number;
  startedAt?: number;
  endedAt?: number;
  endReason?: 'max_steps' | 'aborted' | 'error' | 'failed_to_start';
  lastError?: string;
  /** The most recent error lines (newest last, at most 20). */
  errorLines?: string[];
  actionLayout?: string[];
  /** Something the operator should know (e.g. the camera was unavailable, so the run has no images). */
  note?: string;
}

const deviceId = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/, 'deviceId must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$');
const timeoutS = z.number().min(0.05, 'timeoutS must be in [0.05, 600]').max(600, 'timeoutS must be in [0.05, 600]').default(10);

export const runnerPolicy = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('demo'),
    /** Which transport the session uses to talk to the in-process demo server. */
    transport: z.enum(['websocket', 'http', 'openpi'], { error: "transport must be 'websocket', 'http' or 'openpi'" }).default('websocket'),
    inferDelayMs: z.number().int().min(0, 'inferDelayMs must be in [0, 10000]').max(10_000, 'inferDelayMs must be in [0, 10000]').default(0),
  }),
  z.object({ kind: z.literal('websocket'), url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'url must be ws://host:port/...'), timeoutS }),
  z.object({ kind: z.literal('openpi'), url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'url must be ws://host:port/...'), timeoutS }),
  z.object({ kind: z.literal('http'), url: z.string().regex(/^https?:\/\/[^\s]+$/, 'url must be http://host:port'), timeoutS }),
]);

export const runnerOptions = z.object({
  mode: z.enum(['dry_run', 'apply_actions'], { error: "mode must be 'dry_run' or 'apply_actions'" }).default('dry_run'),
  deviceId: deviceId.default('reachy-mini-1'),
  policy: runnerPolicy.default({ kind: 'demo', transport: 'websocket', inferDelayMs: 0 }),
  /** Send the robot's camera (capture_video_frame) with each observation. */
  camera: z.boolean().default(true),
  /** Action rows applied per second. */
  hz: z.number().min(1, `hz must be in [1, ${LIMITS.realtimeMaxHz}]`).max(LIMITS.realtimeMaxHz, `hz must be in [1, ${LIMITS.realtimeMaxHz}]`).default(20),
  /** 0 = until stopped. */
  maxSteps: z.number().int().min(0, 'maxSteps must be ≥ 0').max(1_000_000, 'maxSteps must be ≤ 1000000').default(0),
  controlPeriodS: z.number().min(0, 'controlPeriodS must be in [0, 60]').max(60, 'controlPeriodS must be in [0, 60]').default(0.2),
  pipelineInference: z.boolean().default(true),
  stopOnError: z.boolean().default(false),
  maxChunkAgeS: z.number().min(0, 'maxChunkAgeS must be in [0, 60]').max(60, 'maxChunkAgeS must be in [0, 60]').default(2),
  prompt: z.string().max(2000, 'prompt must be at most 2000 characters').optional(),
});
export type RunnerOptions = z.output<typeof runnerOptions>;
export type RunnerOptionsInput = z.input<typeof runnerOptions>;

/**
 * Inline options, or `yaml`: the text of a robot.yaml (built-in kinds only: module paths are refused from the
 * console). With `yaml`, only `mode` of the other fields applies, and it overrides the file's mode (the panel's
 * switch decides; the default is dry_run).
 */
export const runnerStartInput = runnerOptions
  .extend({ yaml: z.string().min(1, 'yaml must not be empty').max(200_000, 'yaml must be at most 200000 characters').optional() })
  .strict();

export const runnerMethods = {
  runnerStart: method<RunnerStatus>()(
    'Start a policy session (default: the built-in demo policy in dry_run); counters arrive as runner_heartbeat pushes.',
    runnerStartInput,
  ),
  runnerStop: method<RunnerStatus>()('Stop the running policy session (the robot is safe-stopped in apply_actions).', z.object({})),
  runnerStatus: method<RunnerStatus>()('Status and counters of the current or last policy session.', z.object({})),
};
