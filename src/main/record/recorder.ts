/**
 * The recorder: the mesh tap (events, invokes, camera, logs for the chosen devices) into one MCAP file. Used by
 * `reachy-console record`, `mcp --record` and the console's Record button.
 */
import { createLogger, type Logger } from '../log';
import { FileSink, McapFileWriter, type RecordingSink } from './mcap-file';
import { observeToolCalls } from '../mcp';
import { MeshTap, type TapOptions, type ToolCallRecord } from './tap';

export { compactForRecord, RECORDER_CALLER, type ToolCallRecord } from './tap';

/** Above this much unwritten data, video frames are skipped (counted) so state is never dropped. */
const FRAME_SHED_BACKLOG_BYTES = 32 * 1024 * 1024;

export interface RecorderOptions extends TapOptions {
  /** Output path (created; never overwritten). */
  out: string;
  chunkBytes?: number;
  /** Tests inject a failing sink (full disk) here. */
  sink?: RecordingSink;
  /** Record the MCP tool calls answered in this process (default true). */
  toolCalls?: boolean;
  metadata?: Record<string, string>;
}

export interface RecorderStats {
  state: 'recording' | 'stopped' | 'failed';
  path: string;
  startedAt: number;
  elapsedS: number;
  bytes: number;
  messages: number;
  /** Bytes per second over the whole recording. */
  rateBps: number;
  framesSkipped: number;
  devices: string[];
  failure: string | null;
}

export class Recorder {
  private readonly tap: MeshTap;
  private readonly log: Logger;
  private readonly clockBase = Date.now() - performance.now();
  private messages = 0;
  private status: RecorderStats['state'] = 'recording';
  private stoppedAt: number | null = null;
  private readonly startedAt = Date.now();
  private readonly stopListeners = new Set<(stats: RecorderStats) => void>();
  private stopping: Promise<RecorderStats> | null = null;
  private unobserveTools: () => void = () => undefined;

  private constructor(
    private readonly opts: RecorderOptions,
    private readonly writer: McapFileWriter,
  ) {
    this.log = opts.logger ?? createLogger('record');
    this.tap = new MeshTap(opts, (channel, message, publishTimeMs) => {
      if (this.status !== 'recording') return false;
      const ok = this.writer.add(channel, message, this.now(), publishTimeMs);
      if (ok) this.messages++;
      return ok;
    });
    this.tap.wantFrame = () => {
      if (this.writer.backlogBytes <= FRAME_SHED_BACKLOG_BYTES) return true;
      this.tap.framesSkipped++;
      return false;
    };
  }

  static async start(opts: RecorderOptions): Promise<Recorder> {
    const sink = opts.sink ?? (await FileSink.create(opts.out));
    let self: Recorder | null = null;
    const writer = await McapFileWriter.start(sink, { chunkBytes: opts.chunkBytes, metadata: opts.metadata }, (message) => self?.fail(message));
    self = new Recorder(opts, writer);
    self.tap.start();
    if (opts.toolCalls !== false) {
      const rec = self;
      rec.unobserveTools = observeToolCalls((c) => {
        let result: unknown = c.text;
        try {
          result = JSON.parse(c.text);
        } catch {
          // Plain-text results stay text.
        }
        rec.recordToolCall({ tool: c.tool, arguments: (c.arguments ?? {}) as ToolCallRecord['arguments'], startedAt: c.startedAt, durationMs: c.durationMs, isError: c.isError, result });
      });
    }
    return self;
  }

  /** Monotonic epoch milliseconds: per-channel log times never go backwards even if the wall clock does. */
  private now(): number {
    return this.clockBase + performance.now();
  }

  /** An MCP agent's tool call, beside the invokes it caused. */
  recordToolCall(call: ToolCallRecord): void {
    this.tap.toolCall(call);
  }

  stats(): RecorderStats {
    const end = this.stoppedAt ?? Date.now();
    const elapsedS = Math.max(0, (end - this.startedAt) / 1000);
    const bytes = this.writer.bytesWritten;
    return {
      state: this.status,
      path: this.opts.out,
      startedAt: this.startedAt,
      elapsedS,
      bytes,
      messages: this.messages,
      rateBps: elapsedS > 0 ? bytes / elapsedS : 0,
      framesSkipped: this.tap.framesSkipped,
      devices: this.tap.deviceIds,
      failure: this.writer.failure,
    };
  }

  onStop(cb: (stats: RecorderStats) => void): () => void {
    this.stopListeners.add(cb);
    return () => this.stopListeners.delete(cb);
  }

  /** A write failed (disk full...): stop at once, keep what was written, say why. */
  private fail(message: string): void {
    if (this.status !== 'recording') return;
    this.status = 'failed';
    this.stoppedAt = Date.now();
    this.tap.stop();
    this.unobserveTools();
    this.log.error(
      `recording stopped: ${message}. ${this.opts.out} is readable up to its last complete chunk; run: reachy-console record --repair ${this.opts.out}`,
    );
    void this.writer.end().then(() => this.notifyStopped());
  }

  private notifyStopped(): void {
    const s = this.stats();
    const listeners = [...this.stopListeners];
    this.stopListeners.clear();
    for (const cb of listeners) cb(s);
  }

  /** Stops recording and writes the file's summary. Idempotent. */
  stop(): Promise<RecorderStats> {
    this.stopping ??= (async () => {
      if (this.status === 'recording') {
        this.status = 'stopped';
        this.stoppedAt = Date.now();
      }
      this.tap.stop();
      this.unobserveTools();
      await this.writer.end();
      this.notifyStopped();
      return this.stats();
    })();
    return this.stopping;
  }
}
