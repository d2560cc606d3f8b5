/**
 * Public contract of the Reachy Mini daemon client (docs/DAEMON.md). The driver uses only this interface, for the
 * simulator and for a real robot alike. Units are the daemon's: metres, radians, seconds.
 */
import type { Mat4 } from '../../shared/kinematics';

export type TransportMode = 'auto' | 'websocket' | 'http';
export type Interpolation = 'linear' | 'minjerk' | 'ease_in_out' | 'cartoon';
export type MotorMode = 'enabled' | 'disabled' | 'gravity_compensation';

/** Where the daemon is. `sim` means "start/attach the bundled simulator" and is resolved by the caller. */
export interface DaemonTarget {
  kind: 'sim' | 'host';
  host: string;
  port: number;
  /** http://host:port */
  baseUrl: string;
}

export interface ImuSample {
  accelerometer: [number, number, number];
  gyroscope: [number, number, number];
  /** [w, x, y, z] */
  quaternion: [number, number, number, number];
  temperature: number;
}

/** Latest observed robot state (from `/ws/sdk`, or polled `/api/state/full` in http mode). */
export interface RobotState {
  /** ms epoch at receipt. */
  receivedAt: number;
  /** Present head pose, world frame, row-major 4×4. */
  headPose: Mat4;
  /** [body_yaw, stewart_1..6] rad; null when the transport does not carry joints (http mode). */
  headJoints: number[] | null;
  /** rad (= headJoints[0]). */
  bodyYaw: number;
  /** [right, left] rad. */
  antennas: [number, number];
  imu: ImuSample | null;
}

export type LinkStatus = 'connecting' | 'connected' | 'lost' | 'closed';

export interface ConnectionState {
  status: LinkStatus;
  /** ms epoch of the last change. */
  since: number;
  transport: 'websocket' | 'http';
  /** Human-readable reason for `lost` ("/ws/sdk closed", "no state for 1 s", "ECONNREFUSED"). */
  error?: string;
  /** Reconnect attempts since the link was lost. */
  attempts: number;
}

export interface GotoRequest {
  /** null/undefined = keep current. */
  headPose?: Mat4 | null;
  antennas?: [number, number] | null;
  bodyYaw?: number | null;
  durationS: number;
  interpolation?: Interpolation;
}

export interface MoveOutcome {
  uuid: string;
  status: 'completed' | 'failed' | 'cancelled';
  details: string;
}

export interface MoveHandle {
  uuid: string;
  /** Resolves when the daemon reports the move finished (never rejects; failures are an outcome). */
  done: Promise<MoveOutcome>;
}

export interface RealtimeTarget {
  headPose?: Mat4;
  antennas?: [number, number];
  bodyYaw?: number;
}

export interface DaemonStatusDoc {
  type?: 'daemon_status';
  robot_name: string;
  state: 'not_initialized' | 'starting' | 'running' | 'stopping' | 'stopped' | 'error';
  version: string;
  simulation_enabled: boolean;
  mockup_sim_enabled: boolean;
  no_media: boolean;
  media_released: boolean;
  camera_specs_name: string;
  wlan_ip: string | null;
  error: string | null;
  [extra: string]: unknown;
}

export interface CameraSpecs {
  name: string;
  K: number[][];
  D: number[];
  default_resolution: { name: string; width: number; height: number; fps: number; crop_factor: number };
  available_resolutions: Array<{ name: string; width: number; height: number; fps: number; crop_factor: number }>;
}

/** Errors from the daemon: HTTP status + body detail, or transport failure. */
export class DaemonError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}

export interface DaemonClient {
  readonly target: DaemonTarget;
  readonly transportMode: TransportMode;
  /** Connects and keeps the link up (reconnect with backoff) until close(). Resolves once first connected or after
   * the first failed attempt (the state then says `lost` and retries continue). */
  start(): Promise<void>;
  close(): Promise<void>;

  connection(): ConnectionState;
  onConnection(cb: (state: ConnectionState) => void): () => void;
  latestState(): RobotState | null;
  onState(cb: (state: RobotState) => void): () => void;

  daemonStatus(): Promise<DaemonStatusDoc>;
  /** The last `daemon_status` pushed on `/ws/sdk` (about 1 Hz) and when it arrived (ms epoch); null in http mode
   * or before the first one. */
  pushedStatus(): { doc: DaemonStatusDoc; receivedAt: number } | null;
  /** One fresh state read over REST (`/api/state/full`), for when the stream is stale. No IMU on that route. */
  fetchState(): Promise<RobotState>;
  /** Realtime target, applied at once (`/ws/sdk` set_full_target, or POST /api/move/set_target in http mode). */
  setTarget(target: RealtimeTarget): Promise<void>;
  /** Interpolated move; `done` tracks completion (/ws/sdk task_progress or /api/move/ws/updates). */
  goto(req: GotoRequest): Promise<MoveHandle>;
  wakeUp(): Promise<MoveHandle>;
  gotoSleep(): Promise<MoveHandle>;
  /** Stops one move, or every running move when uuid is omitted. Unknown uuids are not an error here. */
  stopMove(uuid?: string): Promise<void>;
  runningMoves(): Promise<string[]>;
  setAutomaticBodyYaw(enabled: boolean): Promise<void>;
  motorMode(): Promise<MotorMode>;
  setMotorMode(mode: MotorMode): Promise<void>;

  mediaStatus(): Promise<{ available: boolean; released: boolean; no_media: boolean }>;
  releaseMedia(): Promise<void>;
  acquireMedia(): Promise<void>;
  playSound(file: string): Promise<void>;
  cameraSpecs(): Promise<CameraSpecs>;
  volume(): Promise<{ volume: number; platform: string; device: string }>;
  setVolume(volume: number): Promise<{ volume: number; platform: string; device: string }>;
}
