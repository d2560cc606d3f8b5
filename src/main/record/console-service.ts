/**
 * The console's `record` method group: the Record button (a Recorder on the console's mesh, writing to
 * `<dataDir>/recordings`) and replay reads (time windows of a recording, for the renderer's recorded source).
 * Replay reads files only; nothing here sends anything to a robot.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleService, ConsoleServiceContext } from '../service';
import type { FoxgloveStatus, RecordStatus, RecordingFile, ReplayInfo, ReplayMessage, recordMethods } from '../../shared/console-api/record';
import { errorMessage } from '../../shared/errors';
import { startFoxgloveBridge, type FoxgloveBridge } from './foxglove';
import { ConsoleApiError } from '../../shared/console-api/protocol';
import { McapFileError, openIndexed, msToNs } from './mcap-file';
import { Recorder } from './recorder';
import { RECORDING_PROFILE } from './channels';

type OpenFile = Awaited<ReturnType<typeof openIndexed>> & { info: ReplayInfo };

const MAX_OPEN_REPLAYS = 4;

export function createRecordService(ctx: ConsoleServiceContext): ConsoleService<typeof recordMethods> {
  const logger = ctx.logger.child('record');
  const folder = join(ctx.dataDir, 'recordings');
  let recorder: Recorder | null = null;
  let recorderName: string | null = null;
  let lastFailure: string | undefined;
  const open = new Map<string, OpenFile>();
  let foxglove: FoxgloveBridge | null = null;
  let foxgloveError: string | undefined;
  const foxgloveStatus = (): FoxgloveStatus =>
    foxglove
      ? { running: true, url: foxglove.url, clients: foxglove.clientCount() }
      : { running: false, clients: 0, ...(foxgloveError ? { error: foxgloveError } : {}) };

  const list = async (): Promise<RecordingFile[]> => {
    const names = await readdir(folder).catch(() => [] as string[]);
    const out: RecordingFile[] = [];
    for (const name of names.filter((n) => n.endsWith('.mcap'))) {
      const s = await stat(join(folder, name)).catch(() => null);
      if (s?.isFile()) out.push({ name, bytes: s.size, modifiedAt: s.mtimeMs });
    }
    return out.sort((a, b) => b.modifiedAt - a.modifiedAt);
  };

  const status = async (): Promise<RecordStatus> => {
    const s = recorder?.stats();
    return {
      recording: s?.state === 'recording',
      name: recorderName ?? undefined,
      elapsedS: s?.elapsedS ?? 0,
      bytes: s?.bytes ?? 0,
      rateBps: s?.rateBps ?? 0,
      messages: s?.messages ?? 0,
      framesSkipped: s?.framesSkipped ?? 0,
      failure: lastFailure,
      folder,
      recordings: await list(),
    };
  };

  const openReplay = async (name: string): Promise<OpenFile> => {
    const have = open.get(name);
    if (have) return have;
    if (recorder && recorderName === name && recorder.stats().state === 'recording') {
      throw new ConsoleApiError({ code: 'bad_request', message: `${name} is still being recorded; stop the recording first`, field: 'name' });
    }
    const path = join(folder, name);
    let f: Awaited<ReturnType<typeof openIndexed>>;
    try {
      f = await openIndexed(path);
    } catch (err) {
      const message = err instanceof McapFileError ? err.message.replace(path, name) : `cannot open ${name}: ${errorMessage(err)}`;
      throw new ConsoleApiError({ code: (err as { code?: string }).code === 'ENOENT' ? 'not_found' : 'bad_request', message, field: 'name' });
    }
    const r = f.reader;
    if (r.header.profile !== RECORDING_PROFILE) {
      await f.close();
      throw new ConsoleApiError({ code: 'bad_request', message: `${name} is an MCAP file but not a Reachy Mini Console recording (profile '${r.header.profile}')`, field: 'name' });
    }
    const counts = r.statistics?.channelMessageCounts ?? new Map<number, bigint>();
    const topics = [...r.channelsById.values()].map((c) => ({
      topic: c.topic,
      schema: r.schemasById.get(c.schemaId)?.name ?? '',
      count: Number(counts.get(c.id) ?? 0n),
    }));
    const devices = [...new Set(topics.map((t) => /^\/([^/]+)\/state$/.exec(t.topic)?.[1]).filter((d): d is string => !!d))];
    const info: ReplayInfo = {
      name,
      startMs: Number((r.statistics?.messageStartTime ?? 0n) / 1_000_000n),
      endMs: Number((r.statistics?.messageEndTime ?? 0n) / 1_000_000n),
      topics,
      devices,
    };
    if (open.size >= MAX_OPEN_REPLAYS) {
      const [oldest, f0] = open.entries().next().value as [string, OpenFile];
      open.delete(oldest);
      await f0.close().catch(() => undefined);
    }
    const entry = { ...f, info };
    open.set(name, entry);
    return entry;
  };

  const dec = new TextDecoder();

  return {
    handlers: {
      recordStatus: () => status(),
      recordStart: async (input) => {
        if (recorder && recorder.stats().state === 'recording') return status();
        const mesh = ctx.mesh();
        await mkdir(folder, { recursive: true });
        const name = `reachy-${new Date().toISOString().replace(/[:.]/g, '-')}.mcap`;
        lastFailure = undefined;
        recorder = await Recorder.start({
          mesh,
          out: join(folder, name),
          devices: input.deviceIds ?? 'all',
          videoFps: input.videoFps,
          logger,
          metadata: { source: 'console', started_at: new Date().toISOString() },
        });
        recorderName = name;
        recorder.onStop((s) => {
          if (s.state === 'failed') lastFailure = s.failure ?? 'write failed';
        });
        logger.info(`recording to ${join(folder, name)}`);
        return status();
      },
      recordStop: async () => {
        if (recorder) {
          const s = await recorder.stop();
          logger.info(`recorded ${s.messages} messages (${s.bytes} bytes) to ${recorderName}`);
        }
        const out = await status();
        // The last recording's figures stay visible until the next one starts.
        return { ...out, recording: false };
      },
      foxgloveStatus: async () => foxgloveStatus(),
      foxgloveStart: async ({ port }) => {
        if (foxglove) return foxgloveStatus();
        try {
          // Loopback only from the console: exposing the camera and every invoke on the network is a CLI decision
          // (`reachy-console foxglove --host`, with its warning).
          foxglove = await startFoxgloveBridge({ mesh: ctx.mesh(), devices: 'all', videoFps: 5, host: '127.0.0.1', port, logger: logger.child('foxglove') });
          foxgloveError = undefined;
          logger.info(`Foxglove bridge on ${foxglove.url}`);
        } catch (err) {
          foxgloveError = errorMessage(err);
          throw new ConsoleApiError({ code: 'unavailable', message: `Foxglove bridge not started: ${foxgloveError}`, field: 'port' });
        }
        return foxgloveStatus();
      },
      foxgloveStop: async () => {
        const b = foxglove;
        foxglove = null;
        if (b) {
          await b.close();
          logger.info('Foxglove bridge stopped');
        }
        return foxgloveStatus();
      },
      replayOpen: async ({ name }) => (await openReplay(name)).info,
      replayRead: async ({ name, fromMs, toMs, topics, maxMessages }) => {
        if (toMs < fromMs) throw new ConsoleApiError({ code: 'bad_request', message: `toMs=${toMs} is before fromMs=${fromMs}`, field: 'toMs' });
        const f = await openReplay(name);
        const messages: ReplayMessage[] = [];
        let nextMs: number | undefined;
        for await (const m of f.reader.readMessages({ startTime: msToNs(fromMs), endTime: msToNs(toMs), ...(topics ? { topics } : {}) })) {
          const ch = f.reader.channelsById.get(m.channelId);
          if (!ch) continue;
          const t = Number(m.logTime) / 1e6;
          if (messages.length >= maxMessages) {
            nextMs = t;
            break;
          }
          let value: unknown;
          try {
            value = JSON.parse(dec.decode(m.data));
          } catch {
            continue;
          }
          messages.push({ topic: ch.topic, t, value });
        }
        return nextMs === undefined ? { messages } : { messages, nextMs };
      },
    },
    close: async () => {
      if (recorder) await recorder.stop().catch(() => undefined);
      if (foxglove) await foxglove.close().catch(() => undefined);
      foxglove = null;
      for (const f of open.values()) await f.close().catch(() => undefined);
      open.clear();
    },
  };
}
