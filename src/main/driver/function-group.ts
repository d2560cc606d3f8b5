/**
 * How a group of driver functions plugs into the one Reachy Mini function table without the driver core knowing its
 * internals. The media group (src/main/driver/media, `createMediaFunctions(deps)`) is one; the core's state, motion
 * and ownership functions are built the same way.
 */
import type { DeviceFunction, EventDeclaration } from '../mesh';
import type { DaemonClient } from '../reachy';
import type { Logger } from '../log';
import type { JsonObject } from '../../shared/wire';

/**
 * What feeds the media functions (the simulator's camera and microphone, a robot's WebRTC stream, ...). The driver
 * core only passes it through to the media group and closes it on stop; the media group defines the richer interface
 * it needs (it may extend this one and narrow with a type guard).
 */
export interface MediaSource {
  /** 'sim' | 'webrtc' | 'none' | ... — for logs and `get_media_status`. */
  readonly kind: string;
  close?(): Promise<void>;
}

/** Media-related fields the media group records in the state mirror (docs/PRIOR-ART.md §B.4 names). */
export interface MediaStatePatch {
  media_ready?: boolean;
  video_input_state?: string;
  audio_input_state?: string;
  audio_output_state?: string;
  audio_activity?: string;
  video_motion_state?: string;
  last_audio_event?: JsonObject | null;
  last_motion_event?: JsonObject | null;
}

/** The part of the driver's state mirror a function group may read and write. */
export interface DriverStateAccess {
  /** The mirror as `get_status.driver_state` shows it (a fresh JSON object). */
  snapshot(): JsonObject;
  updateMedia(patch: MediaStatePatch): void;
  /** Records an error as `last_error` (availability becomes `error` until the next successful command). */
  setError(message: string): void;
}

export interface DriverGroupDeps {
  daemon: DaemonClient;
  state: DriverStateAccess;
  /** Publishes a Device Connect event of this device (dropped quietly while the runtime is not started). */
  emit(name: string, payload: JsonObject): void;
  logger: Logger;
  /** Absent when started with `--no-media` or when no source exists; functions then answer `unsupported`. */
  media?: MediaSource;
}

export interface DriverFunctionGroup {
  functions: DeviceFunction[];
  events: EventDeclaration[];
  /** Called once the device runtime is serving (e.g. start a background detector). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type DriverFunctionGroupFactory = (deps: DriverGroupDeps) => DriverFunctionGroup;
