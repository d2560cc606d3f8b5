/**
 * MCAP files on disk: a crash-safe chunked writer (zstd), a streamed reader that checks a file is an MCAP and
 * ours, and repair (rewrite the summary and indexes of a file cut short by a kill or a full disk).
 *
 * Crash safety: records go to the file as each chunk closes (chunks close at `chunkBytes`, small by default), in
 * the order MCAP's streamed readers expect, and schemas and channels travel inside the first chunk that uses them.
 * A killed recording therefore reads back up to its last complete chunk; only the summary (written at the end)
 * is missing, which `repairMcap` rebuilds.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { McapIndexedReader, McapStreamReader, McapWriter, hasMcapPrefix, type IWritable, type McapTypes } from '@mcap/core';
import * as zstd from '@foxglove/wasm-zstd';
import { RECORDING_PROFILE } from './channels';
import { errorMessage } from '../../shared/errors';

export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** How long messages wait to be encoded together (well under a chunk's worth of time). */
const BATCH_MS = 50;

export type DecompressHandlers = McapTypes.DecompressHandlers;

/** Decompressors for the chunks we write (zstd) and for uncompressed chunks. */
export async function decompressHandlers(): Promise<DecompressHandlers> {
  await zstd.isLoaded;
  return { zstd: (buf, size) => zstd.decompress(buf, Number(size)) };
}

/** A writable file: appends, tracks its position, and can be replaced in tests to inject write errors. */
export interface RecordingSink extends IWritable {
  close(): Promise<void>;
}

export class FileSink implements RecordingSink {
  private pos = 0n;
  private constructor(private readonly fh: FileHandle) {}

  /** Creates the file; refuses to overwrite an existing one. */
  static async create(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'wx'));
  }

  async write(buffer: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buffer.byteLength) {
      const { bytesWritten } = await this.fh.write(buffer, off, buffer.byteLength - off);
      off += bytesWritten;
    }
    this.pos += BigInt(buffer.byteLength);
  }

  position(): bigint {
    return this.pos;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export interface ChannelInfo {
  topic: string;
  schemaName: string;
  schema: Record<string, unknown>;
}

export interface McapFileWriterOptions {
  chunkBytes?: number;
  /** zstd level (default 3: fast enough for live frames). */
  level?: number;
}

/** Plain-language cause for a write error (ENOSPC, EDQUOT, EIO...). */
export function describeWriteError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const msg = errorMessage(err);
  if (code === 'ENOSPC') return `disk full (ENOSPC): ${msg}`;
  if (code === 'EDQUOT') return `disk quota exceeded (EDQUOT): ${msg}`;
  if (code === 'EIO') return `I/O error (EIO): ${msg}`;
  return msg;
}

/**
 * One MCAP being written. Every call is queued (McapWriter needs each call to finish before the next); the first
 * write error stops the file for good and is reported once through `failed`.
 */
export class McapFileWriter {
  private readonly writer: McapWriter;
  private queue: Promise<void> = Promise.resolve();
  private readonly channels = new Map<string, number>();
  private readonly schemas = new Map<string, number>();
  private error: string | null = null;
  private ended = false;
  private pendingBytes = 0;
  bytesQueued = 0;

  private constructor(
    private readonly sink: RecordingSink,
    opts: McapFileWriterOptions,
    private readonly onFail: (message: string) => void,
  ) {
    const level = opts.level ?? 3;
    this.writer = new McapWriter({
      writable: sink,
      chunkSize: opts.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      compressChunk: (data) => ({ compression: 'zstd', compressedData: zstd.compress(data, level) }),
    });
  }

  static async start(
    sink: RecordingSink,
    opts: McapFileWriterOptions & { metadata?: Record<string, string> },
    onFail: (message: string) => void,
  ): Promise<McapFileWriter> {
    await zstd.isLoaded;
    const w = new McapFileWriter(sink, opts, onFail);
    w.enqueue(async () => {
      await w.writer.start({ profile: RECORDING_PROFILE, library: 'reachy-console' });
      if (opts.metadata) await w.writer.addMetadata({ name: 'recording', metadata: new Map(Object.entries(opts.metadata)) });
    }, 0);
    await w.queue;
    if (w.error) throw new Error(w.error);
    return w;
  }

  get failure(): string | null {
    return this.error;
  }

  /** Bytes accepted but not yet handed to the file: the recorder sheds video when this grows. */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  get bytesWritten(): number {
    return Number(this.sink.position());
  }

  private enqueue(op: () => Promise<void>, bytes: number): void {
    this.pendingBytes += bytes;
    this.queue = this.queue.then(async () => {
      this.pendingBytes -= bytes;
      if (this.error) return;
      try {
        await op();
      } catch (err) {
        this.error = describeWriteError(err);
        this.onFail(this.error);
      }
    });
  }

  private async channelId(info: ChannelInfo): Promise<number> {
    let id = this.channels.get(info.topic);
    if (id !== undefined) return id;
    let schemaId = this.schemas.get(info.schemaName);
    if (schemaId === undefined) {
      schemaId = await this.writer.registerSchema({
        name: info.schemaName,
        encoding: 'jsonschema',
        data: new TextEncoder().encode(JSON.stringify(info.schema)),
      });
      this.schemas.set(info.schemaName, schemaId);
    }
    id = await this.writer.registerChannel({ topic: info.topic, schemaId, messageEncoding: 'json', metadata: new Map() });
    this.channels.set(info.topic, id);
    return id;
  }

  /**
   * Queues one JSON message. `logTimeMs` is when it was received; `publishTimeMs` when its source stamped it.
   * Messages are encoded and handed to the writer in batches every BATCH_MS, so a caller on a hot path (an invoke's
   * reply, a 50 Hz state event) pays only for the push.
   */
  add(channel: ChannelInfo, message: unknown, logTimeMs: number, publishTimeMs = logTimeMs): boolean {
    if (this.error || this.ended) return false;
    this.batch.push({ channel, message, logTimeMs, publishTimeMs });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flushBatch(), BATCH_MS);
    }
    return true;
  }

  private readonly batch: Array<{ channel: ChannelInfo; message: unknown; logTimeMs: number; publishTimeMs: number }> = [];
  private flushScheduled = false;

  private flushBatch(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const items = this.batch.splice(0);
    const enc = new TextEncoder();
    // A message may be a function that builds it: its cost is paid here, not on the caller's path.
    const data = items.map((it) => enc.encode(JSON.stringify(typeof it.message === 'function' ? (it.message as () => unknown)() : it.message)));
    let bytes = 0;
    for (const d of data) bytes += d.byteLength;
    this.bytesQueued += bytes;
    this.enqueue(async () => {
      for (let i = 0; i < items.length; i++) {
        const e = items[i];
        // Known channels without an await: one promise per message instead of two.
        const channelId = this.channels.get(e.channel.topic) ?? (await this.channelId(e.channel));
        await this.writer.addMessage({ channelId, sequence: 0, logTime: msToNs(e.logTimeMs), publishTime: msToNs(e.publishTimeMs), data: data[i] });
      }
    }, bytes);
  }

  /** Writes the last chunk and the summary, then closes the file. After a write error it only closes the file. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.flushBatch();
    this.ended = true;
    this.enqueue(() => this.writer.end(), 0);
    await this.queue;
    await this.sink.close().catch(() => undefined);
  }
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

// -----------------------------------------------------------------------------------------------------------------
// Reading

export class McapFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McapFileError';
  }
}

export interface StreamedRecords {
  header: McapTypes.Header | null;
  schemas: Map<number, McapTypes.Schema>;
  channels: Map<number, McapTypes.Channel>;
  messages: McapTypes.Message[];
  metadata: McapTypes.Metadata[];
  /** True when the file ends with its footer and magic; false when cut short (killed, disk full). */
  complete: boolean;
  /** Bytes after the last complete record (a chunk cut short). */
  trailingBytes: number;
}

/**
 * Reads a whole file record by record, as a streamed reader would, stopping cleanly at the last complete record.
 * Refuses (McapFileError) files that are not MCAP, are corrupt before their end, or (with `ours`) were not written
 * by this console.
 */
export async function readMcapStreamed(path: string, opts: { ours?: boolean } = {}): Promise<StreamedRecords> {
  let bytes: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new McapFileError(`cannot read ${path}: ${errorMessage(err)}`);
  }
  if (!hasMcapPrefix(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    throw new McapFileError(`${path} is not an MCAP file (it does not start with the MCAP magic bytes)`);
  }
  const reader = new McapStreamReader({ decompressHandlers: await decompressHandlers(), validateCrcs: true });
  reader.append(bytes);
  const out: StreamedRecords = { header: null, schemas: new Map(), channels: new Map(), messages: [], metadata: [], complete: false, trailingBytes: 0 };
  for (;;) {
    let rec: McapTypes.TypedMcapRecord | undefined;
    try {
      rec = reader.nextRecord();
    } catch (err) {
      const done = bytes.byteLength - reader.bytesRemaining();
      throw new McapFileError(`${path} is corrupt near byte ${done}: ${errorMessage(err)}`);
    }
    if (!rec) break;
    switch (rec.type) {
      case 'Header':
        out.header = rec;
        if (opts.ours && rec.profile !== RECORDING_PROFILE) {
          throw new McapFileError(
            `${path} is an MCAP file but not a Reachy Mini Console recording (profile '${rec.profile}', expected '${RECORDING_PROFILE}')`,
          );
        }
        break;
      case 'Schema':
        out.schemas.set(rec.id, rec);
        break;
      case 'Channel':
        out.channels.set(rec.id, rec);
        break;
      case 'Message':
        out.messages.push(rec);
        break;
      case 'Metadata':
        out.metadata.push(rec);
        break;
      default:
        break;
    }
  }
  out.complete = reader.done();
  out.trailingBytes = reader.bytesRemaining();
  return out;
}

/** Opens a complete (indexed) file. Throws McapFileError for a file that is not an MCAP or has no valid summary. */
export async function openIndexed(path: string): Promise<{ reader: McapIndexedReader; close(): Promise<void> }> {
  const fh = await open(path, 'r').catch((err: Error) => {
    throw new McapFileError(`cannot read ${path}: ${err.message}`);
  });
  const size = (await fh.stat()).size;
  const readable: McapTypes.IReadable = {
    size: async () => BigInt(size),
    read: async (offset, length) => {
      const buf = Buffer.alloc(Number(length));
      await fh.read(buf, 0, Number(length), Number(offset));
      return buf;
    },
  };
  try {
    const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers: await decompressHandlers() });
    return { reader, close: () => fh.close() };
  } catch (err) {
    await fh.close();
    throw new McapFileError(`${path} has no readable summary (${errorMessage(err)}); run: reachy-console record --repair ${path}`);
  }
}

export interface RepairResult {
  messages: number;
  channels: number;
  droppedBytes: number;
  wasComplete: boolean;
  keptAs: string | null;
}

/**
 * Rewrites a recording cut short with a fresh summary and indexes: every complete record is kept, the partial
 * tail is dropped. The new file is written beside it and renamed over it; the original is kept as
 * `<file>.unrepaired-<time>` so nothing is lost if the repair itself is interrupted.
 */
export async function repairMcap(path: string, opts: { chunkBytes?: number } = {}): Promise<RepairResult> {
  const recs = await readMcapStreamed(path);
  if (recs.complete) {
    // Already indexed: nothing to do, but say whether the summary is readable.
    const { close } = await openIndexed(path);
    await close();
    return { messages: recs.messages.length, channels: recs.channels.size, droppedBytes: 0, wasComplete: true, keptAs: null };
  }
  const tmp = `${path}.repair-${process.pid}.tmp`;
  const sink = await FileSink.create(tmp);
  let failure: string | null = null;
  const header = recs.header ?? { profile: RECORDING_PROFILE, library: 'reachy-console' };
  const writer = new McapWriter({
    writable: sink,
    chunkSize: opts.chunkBytes ?? 1024 * 1024,
    compressChunk: (data) => ({ compression: 'zstd', compressedData: zstd.compress(data, 3) }),
  });
  try {
    await zstd.isLoaded;
    await writer.start({ profile: header.profile, library: header.library });
    for (const m of recs.metadata) await writer.addMetadata({ name: m.name, metadata: m.metadata });
    const schemaIds = new Map<number, number>();
    for (const s of recs.schemas.values()) schemaIds.set(s.id, await writer.registerSchema({ name: s.name, encoding: s.encoding, data: s.data }));
    const channelIds = new Map<number, number>();
    for (const c of recs.channels.values()) {
      channelIds.set(
        c.id,
        await writer.registerChannel({ topic: c.topic, schemaId: schemaIds.get(c.schemaId) ?? 0, messageEncoding: c.messageEncoding, metadata: c.metadata }),
      );
    }
    for (const m of recs.messages) {
      const channelId = channelIds.get(m.channelId);
      if (channelId === undefined) continue;
      await writer.addMessage({ channelId, sequence: m.sequence, logTime: m.logTime, publishTime: m.publishTime, data: m.data });
    }
    await writer.end();
  } catch (err) {
    failure = describeWriteError(err);
  } finally {
    await sink.close().catch(() => undefined);
  }
  if (failure) {
    await unlink(tmp).catch(() => undefined);
    throw new McapFileError(`repair of ${path} failed, the file is unchanged: ${failure}`);
  }
  const keptAs = `${path}.unrepaired-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, keptAs);
  await rename(tmp, path);
  return { messages: recs.messages.length, channels: recs.channels.size, droppedBytes: recs.trailingBytes, wasComplete: false, keptAs };
}
