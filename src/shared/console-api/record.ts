/**
 * ConsoleApi methods of the Record/Replay panel: record the console's mesh to an MCAP file in the console's
 * recordings folder, and read a recording back in time windows for replay (the "recorded source"). Replay only
 * reads files; it never sends anything to a robot.
 */
import { z } from 'zod';
import { method } from './protocol';

export interface RecordingFile {
  name: string;
  bytes: number;
  modifiedAt: number;
}

export interface RecordStatus {
  recording: boolean;
  /** File name inside the recordings folder. */
  name?: string;
  elapsedS: number;
  bytes: number;
  /** Bytes per second written so far. */
  rateBps: number;
  messages: number;
  framesSkipped: number;
  /** Why the last recording stopped on its own (disk full...). */
  failure?: string;
  folder: string;
  recordings: RecordingFile[];
}

export interface ReplayInfo {
  name: string;
  /** Epoch milliseconds of the first and last message. */
  startMs: number;
  endMs: number;
  topics: Array<{ topic: string; schema: string; count: number }>;
  devices: string[];
}

export interface ReplayMessage {
  topic: string;
  /** Epoch milliseconds (log time). */
  t: number;
  value: unknown;
}

export interface ReplayWindow {
  messages: ReplayMessage[];
  /** Set when the window was cut at `maxMessages`: read again from here. */
  nextMs?: number;
}

/** The live Foxglove WebSocket bridge the console can serve (loopback only from the console). */
export interface FoxgloveStatus {
  running: boolean;
  /** ws:// URL to paste into Foxglove Studio's "Open connection". */
  url?: string;
  clients: number;
  /** Why the last start failed (port in use...). */
  error?: string;
}

/** A recording's file name: no folders, so only the console's recordings folder is ever read. */
export const recordingName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.mcap$/, 'a recording file name such as reachy-2026-01-01T10-00-00.mcap (no folders)');
const deviceId = z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, "letters, digits, '.', '_', '-'");

export const recordMethods = {
  recordStatus: method<RecordStatus>()('Recording state (elapsed, size, rate) and the recordings in the folder.', z.object({})),
  recordStart: method<RecordStatus>()(
    'Start recording the mesh (state, events, invokes, camera, logs) to a new MCAP file.',
    z.object({
      deviceIds: z.array(deviceId).min(1).max(16).optional(),
      videoFps: z.number().min(0).max(30).default(5),
    }),
  ),
  recordStop: method<RecordStatus>()('Stop recording and write the file summary.', z.object({})),
  foxgloveStatus: method<FoxgloveStatus>()('State of the live Foxglove bridge.', z.object({})),
  foxgloveStart: method<FoxgloveStatus>()(
    'Serve the mesh live to Foxglove Studio (Foxglove WebSocket protocol, read-only, on 127.0.0.1).',
    z.object({ port: z.number().int().min(0).max(65535).default(8767) }),
  ),
  foxgloveStop: method<FoxgloveStatus>()('Stop the live Foxglove bridge.', z.object({})),
  replayOpen: method<ReplayInfo>()('Open a recording for replay: its time range, channels and devices.', z.object({ name: recordingName })),
  replayRead: method<ReplayWindow>()(
    'Messages of an open recording between two times (epoch ms), oldest first.',
    z.object({
      name: recordingName,
      fromMs: z.number().min(0),
      toMs: z.number().min(0),
      topics: z.array(z.string().max(300)).max(64).optional(),
      maxMessages: z.number().int().min(1).max(5000).default(2000),
    }),
  ),
};
