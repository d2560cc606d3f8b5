/**
 * Public contracts of the policy runner (docs/ARCHITECTURE.md, the reflex-connect model): a robot connector, camera sources and
 * a policy transport, driven by `runSession`. Field names on the wire follow Reflex (`state`, `images`, `prompt`,
 * `seq`, `capture_time_ns`, `request_id`).
 */

/** One camera frame: packed 8-bit RGB, row-major, `data.length === width * height * 3`. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
  /** Capture time (ns since the epoch), for latency tracing. */
  captureTimeNs?: bigint;
}

/** What the connector observes each step (proprioception). */
export interface Observation {
  state: number[];
  /** Connector-provided images (most connectors leave this empty and use camera sources). */
  images?: Record<string, RgbFrame>;
  /** Per-step override of the session prompt. */
  prompt?: string;
}

/** What goes to the transport: the observation plus camera frames and bookkeeping. */
export interface PolicyObservation {
  seq: number;
  state: number[];
  images: Record<string, RgbFrame>;
  prompt?: string;
  captureTimeNs: bigint;
  requestId: string;
}

/** An action chunk: consecutive action targets (rows), echoing the observation's `seq`. */
export interface ActionChunk {
  seq: number;
  actions: number[][];
  /** Server-side inference time when reported. */
  inferMs?: number;
}

/** The server's first frame (openpi-style metadata); free-form beyond these optional keys. */
export interface PolicyMetadata {
  action_dim?: number;
  chunk_len?: number;
  dt?: number;
  cameras?: string[];
  state_layout?: string[];
  action_layout?: string[];
  [key: string]: unknown;
}

export type RunMode = 'dry_run' | 'apply_actions';

export interface ConnectorStartContext {
  mode: RunMode;
  signal?: AbortSignal;
}

export interface RobotConnector {
  start(ctx?: ConnectorStartContext): Promise<void>;
  getObservation(): Promise<Observation>;
  /** Applies the whole chunk (a connector plays rows at its own rate); resolves when done. */
  applyAction(chunk: ActionChunk, signal?: AbortSignal): Promise<void>;
  /** Brings the robot to a safe standstill. Must not throw for an already-stopped robot. */
  safeStop(): Promise<void>;
  stop(): Promise<void>;
  /** Optional: names of the state vector entries (sent in logs and to the UI). */
  stateLayout?(): string[];
}

export interface CameraSource {
  start(): Promise<void>;
  read(): Promise<RgbFrame>;
  stop(): Promise<void>;
}

export interface InferOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PolicyTransport {
  readonly kind: string;
  /** Connects (or checks the server) and returns its metadata frame ({} when the protocol has none). */
  connect(signal?: AbortSignal): Promise<PolicyMetadata>;
  infer(obs: PolicyObservation, opts?: InferOptions): Promise<ActionChunk>;
  close(): Promise<void>;
}

/** Heartbeat stats (Reflex documents step, applied_steps, safe_stops; the rest is ours). */
export interface HeartbeatStats {
  step: number;
  applied_steps: number;
  safe_stops: number;
  errors: number;
  stale_chunks: number;
  elapsed_s: number;
  /** Steps per second since the start. */
  rate_hz: number;
  last_action_chunk?: number[][];
  last_error?: string;
  running: boolean;
}

export interface RunnerResult {
  steps: number;
  appliedSteps: number;
  safeStops: number;
  /** One readable line per error, in order. */
  errors: string[];
  lastActionChunk: number[][] | null;
  staleChunks: number;
  /** Why the session ended. */
  endReason: 'max_steps' | 'aborted' | 'error';
  metadata: PolicyMetadata;
}
