/**
 * The recorded source: plays a recording back through the store's event entry point, so the same panels (3D
 * robot, IMU plot, events) that live data drives show the recording, with a timeline (play/pause, speed, scrub).
 * It only reads the recording through the ConsoleApi (replayOpen/replayRead); it never sends anything to a robot.
 */
import { create } from 'zustand';
import type { ReplayInfo, ReplayMessage } from '../shared/console-api/record';
import type { JsonObject } from '../shared/wire';
import { getClient, ingestEvent, setEventSource } from './store';
import { errorMessage } from '../shared/errors';

export interface ReplayFrame {
  deviceId: string;
  t: number;
  dataUrl: string;
}

export interface ReplayInvoke {
  t: number;
  deviceId: string;
  fn: string;
  caller: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

export interface ReplayState {
  info: ReplayInfo | null;
  /** Playhead, epoch ms in the recording's time. */
  t: number;
  playing: boolean;
  speed: number;
  frame: ReplayFrame | null;
  invokes: ReplayInvoke[];
  error?: string;
}

export const useReplay = create<ReplayState>(() => ({ info: null, t: 0, playing: false, speed: 1, frame: null, invokes: [], error: undefined }));

const TICK_MS = 50;
const WINDOW_MS = 1000;
const MAX_INVOKES = 200;

let timer: ReturnType<typeof setInterval> | null = null;
let buffer: ReplayMessage[] = [];
let bufferedTo = 0;
let fetching: Promise<void> | null = null;
let generation = 0;
let lastWall = 0;

function deliver(m: ReplayMessage): void {
  const v = (m.value ?? {}) as Record<string, unknown>;
  const parts = m.topic.split('/');
  const deviceId = parts[1] ?? '';
  if (m.topic.endsWith('/state')) {
    ingestEvent({ device_id: deviceId, event_name: 'state_event', params: v as JsonObject, received_at: m.t }, 'recorded');
  } else if (parts[2] === 'events' && typeof v.event_name === 'string') {
    ingestEvent({ device_id: deviceId, event_name: v.event_name, params: (v.params ?? {}) as JsonObject, received_at: m.t }, 'recorded');
  } else if (m.topic.endsWith('/camera') && typeof v.data === 'string') {
    useReplay.setState({ frame: { deviceId, t: m.t, dataUrl: `data:image/jpeg;base64,${v.data}` } });
  } else if (m.topic.endsWith('/invokes')) {
    const inv: ReplayInvoke = {
      t: m.t,
      deviceId,
      fn: String(v.function ?? ''),
      caller: String(v.caller ?? 'unknown'),
      ok: v.ok === true,
      durationMs: Number(v.duration_ms ?? 0),
      ...(typeof v.error === 'string' ? { error: v.error } : {}),
    };
    useReplay.setState((s) => ({ invokes: [...s.invokes.slice(1 - MAX_INVOKES), inv] }));
  }
}

async function read(fromMs: number, toMs: number): Promise<ReplayMessage[]> {
  const info = useReplay.getState().info;
  if (!info) return [];
  const out: ReplayMessage[] = [];
  let from = fromMs;
  for (let i = 0; i < 20; i++) {
    const w = await getClient().replayRead({ name: info.name, fromMs: from, toMs });
    out.push(...w.messages);
    if (w.nextMs === undefined) break;
    from = w.nextMs;
  }
  return out;
}

function fill(): void {
  const { info, t } = useReplay.getState();
  if (!info || fetching || bufferedTo >= info.endMs || bufferedTo > t + WINDOW_MS) return;
  const gen = generation;
  const from = bufferedTo;
  const to = Math.min(info.endMs, from + WINDOW_MS);
  fetching = read(from, to)
    .then((msgs) => {
      if (gen !== generation) return;
      // Windows share their edges: keep each message once.
      buffer.push(...msgs.filter((m) => m.t > from || from === info.startMs));
      bufferedTo = to;
    })
    .catch((err: unknown) => useReplay.setState({ error: errorMessage(err), playing: false }))
    .finally(() => {
      fetching = null;
    });
}

function tick(): void {
  const s = useReplay.getState();
  if (!s.info) return;
  const now = performance.now();
  const dt = now - lastWall;
  lastWall = now;
  if (s.playing) {
    const t = Math.min(s.info.endMs, s.t + dt * s.speed);
    let n = 0;
    while (n < buffer.length && buffer[n].t <= t) deliver(buffer[n++]);
    buffer = buffer.slice(n);
    useReplay.setState({ t, playing: t < s.info.endMs });
  }
  fill();
}

/** Opens a recording and switches the panels to it (live events are held back until `closeReplay`). */
export async function openReplay(name: string): Promise<void> {
  const info = await getClient().replayOpen({ name });
  setEventSource('recorded');
  useReplay.setState({ info, t: info.startMs, playing: false, frame: null, invokes: [], error: undefined });
  await seek(info.startMs);
  lastWall = performance.now();
  timer ??= setInterval(tick, TICK_MS);
}

/** Back to the live source. */
export function closeReplay(): void {
  if (timer) clearInterval(timer);
  timer = null;
  generation++;
  buffer = [];
  useReplay.setState({ info: null, playing: false, frame: null, invokes: [] });
  setEventSource('live');
}

export function setPlaying(playing: boolean): void {
  lastWall = performance.now();
  const s = useReplay.getState();
  if (playing && s.info && s.t >= s.info.endMs) void seek(s.info.startMs).then(() => useReplay.setState({ playing: true }));
  else useReplay.setState({ playing });
}

export function setSpeed(speed: number): void {
  useReplay.setState({ speed });
}

/**
 * Jumps to `t`: shows the state, frame and events as they were at that moment (the latest of each in the second
 * before it), then plays on from there.
 */
export async function seek(t: number): Promise<void> {
  const info = useReplay.getState().info;
  if (!info) return;
  const target = Math.max(info.startMs, Math.min(info.endMs, t));
  const gen = ++generation;
  buffer = [];
  fetching = null;
  useReplay.setState({ t: target });
  const before = await read(Math.max(info.startMs, target - WINDOW_MS), target);
  if (gen !== generation) return;
  const latest = new Map<string, ReplayMessage>();
  for (const m of before) if (m.topic.endsWith('/state') || m.topic.endsWith('/camera')) latest.set(m.topic, m);
  for (const m of latest.values()) deliver(m);
  bufferedTo = target;
}
