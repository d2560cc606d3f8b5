/**
 * The tool-call log: an in-memory ring for the console, plus a JSONL file that stdio bridges (launched by Claude,
 * not by the console) append to with `--call-log <file>`, so the console can show every call an agent makes.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { McpCallRecord } from '../../shared/console-api/mcp';

const recordSchema = z.object({
  ts: z.number(),
  tool: z.string().max(64),
  arguments: z.unknown(),
  ok: z.boolean(),
  summary: z.string().max(1000),
  elapsedMs: z.number(),
});

export class CallLog {
  private readonly ring: McpCallRecord[] = [];
  private readonly listeners = new Set<(r: McpCallRecord) => void>();
  private total = 0;

  constructor(private readonly capacity = 1000) {}

  add(r: McpCallRecord): void {
    this.total += 1;
    this.ring.push(r);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of this.listeners) l(r);
  }

  recent(limit: number): McpCallRecord[] {
    return this.ring.slice(-limit);
  }

  count(): number {
    return this.total;
  }

  clear(): void {
    this.ring.length = 0;
  }

  onRecord(cb: (r: McpCallRecord) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

/** Appends one JSON line (sync, small, so a crash never leaves a half line from us). */
export function appendCallRecord(file: string, r: McpCallRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(r) + '\n', { encoding: 'utf8', mode: 0o600 });
}

/**
 * Follows a JSONL call-log file from its current end, polling every `intervalMs`; each complete, valid line
 * becomes a record. Returns the stop function.
 */
export function tailCallLog(file: string, onRecord: (r: McpCallRecord) => void, intervalMs = 500): () => void {
  let offset = -1;
  let partial = '';
  let busy = false;
  let stopped = false;
  const poll = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const st = await stat(file).catch(() => null);
      if (!st) {
        offset = offset < 0 ? 0 : offset;
        return;
      }
      if (offset < 0) offset = st.size; // start at the end: old calls are history, not news
      if (st.size < offset) offset = 0; // truncated or replaced
      if (st.size === offset) return;
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(Math.min(st.size - offset, 4 * 1024 * 1024));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        const lines = (partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          try {
            const parsed = recordSchema.safeParse(JSON.parse(line));
            if (parsed.success) onRecord(parsed.data as McpCallRecord);
          } catch {
            // not ours / corrupted line: skip
          }
        }
      } finally {
        await fh.close();
      }
    } finally {
      busy = false;
    }
  };
  void poll();
  const timer = setInterval(() => void poll().catch(() => undefined), intervalMs);
  timer.unref?.();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
