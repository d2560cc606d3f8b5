/**
 * Crash-safe recordings: a recording killed with SIGKILL reads back (streamed) up to its last complete chunk and
 * `record --repair` rebuilds its summary; a full disk stops the recording cleanly with a clear message; files that
 * are not MCAP, are corrupt, or are someone else's MCAP are refused with a clear error.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapWriter } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSink, McapFileError, openIndexed, readMcapStreamed, repairMcap, type RecordingSink } from '../../../src/main/record/mcap-file';
import { Recorder } from '../../../src/main/record/recorder';
import { startSimStack, type SimStack } from '../../../src/main/app/sim-stack';
import { addLogSink } from '../../../src/main/log';
import { checkRecording } from '../../helpers/mcap-check';

const ROOT = new URL('../../../', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/reachy-console.mjs', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rec-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a recording killed with SIGKILL', () => {
  it('reads back up to its last complete chunk, and --repair makes it a complete indexed file', async () => {
    const out = join(dir, 'killed.mcap');
    const child = spawn(process.execPath, ['bin/reachy-console.mjs', 'record', '--sim', '--video-fps', '5', '--out', out], { cwd: ROOT, env });
    child.stderr.resume();
    // Wait until a few chunks have reached the disk (frames fill a 64 KiB chunk in well under a second).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const size = await stat(out).then((s) => s.size, () => 0);
      if (size > 300_000) break;
      if (Date.now() > deadline) throw new Error(`recording did not grow (size ${size})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    // Streamed read (no summary needed): everything up to the last complete record, all of it valid.
    const killed = await checkRecording(out);
    expect(killed.records.complete).toBe(false);
    expect(killed.problems).toEqual([]);
    expect(killed.byTopic.get('/reachy-mini-1/state')?.length).toBeGreaterThan(0);
    expect(killed.jpegFrames).toBeGreaterThan(0);
    // The indexed reader needs the summary, which a killed recording never wrote: refused with the fix named.
    await expect(openIndexed(out)).rejects.toThrow(/record --repair/);

    const r = await runCli(['record', '--repair', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`repaired .*: ${killed.messages.length} messages`));
    const { reader, close } = await openIndexed(out);
    try {
      expect(reader.statistics?.messageCount).toBe(BigInt(killed.messages.length));
      let n = 0;
      for await (const m of reader.readMessages()) if (m) n++;
      expect(n).toBe(killed.messages.length);
    } finally {
      await close();
    }
    const repaired = await checkRecording(out);
    expect(repaired.records.complete).toBe(true);
    expect(repaired.problems).toEqual([]);
  }, 60_000);
});

/** A disk that fills after `limit` bytes: writes past it fail with ENOSPC, as fs does. */
class FillingSink implements RecordingSink {
  private written = 0;
  constructor(
    private readonly inner: FileSink,
    private readonly limit: number,
  ) {}
  async write(buffer: Uint8Array): Promise<void> {
    if (this.written + buffer.byteLength > this.limit) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    this.written += buffer.byteLength;
    await this.inner.write(buffer);
  }
  position(): bigint {
    return this.inner.position();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('a full disk', () => {
  let stack: SimStack;
  beforeAll(async () => {
    stack = await startSimStack({ deviceId: 'reachy-mini-1' });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('stops the recording cleanly with a clear message, and what was written reads back', async () => {
    const out = join(dir, 'full.mcap');
    const logs: string[] = [];
    const unlog = addLogSink((r) => logs.push(r.message));
    const sink = new FillingSink(await FileSink.create(out), 200_000);
    const recorder = await Recorder.start({ mesh: stack.mesh, out, devices: ['reachy-mini-1'], videoFps: 10, sink, chunkBytes: 32 * 1024 });
    const stopped = await new Promise<ReturnType<Recorder['stats']>>((resolve) => recorder.onStop(resolve));
    unlog();
    expect(stopped.state).toBe('failed');
    expect(stopped.failure).toMatch(/disk full \(ENOSPC\)/);
    expect(logs.some((l) => /recording stopped: disk full.*readable up to its last complete chunk.*--repair/.test(l))).toBe(true);
    // Nothing more is written once it failed, and stop() is still safe.
    const size = (await stat(out)).size;
    expect(size).toBeLessThanOrEqual(200_000);
    expect((await recorder.stop()).state).toBe('failed');
    const back = await checkRecording(out);
    expect(back.records.complete).toBe(false);
    expect(back.problems).toEqual([]);
    expect(back.messages.length).toBeGreaterThan(0);
  }, 30_000);
});

describe('bad and foreign files', () => {
  it('refuses a file that is not MCAP, naming it', async () => {
    const f = join(dir, 'notes.txt');
    await writeFile(f, 'hello, not a recording\n');
    await expect(readMcapStreamed(f)).rejects.toThrow(McapFileError);
    await expect(readMcapStreamed(f)).rejects.toThrow(/notes\.txt is not an MCAP file/);
    const r = await runCli(['record', '--repair', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not an MCAP file/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    expect(await readFile(f, 'utf8')).toBe('hello, not a recording\n'); // unchanged
  });

  it("refuses someone else's MCAP as a recording", async () => {
    const f = join(dir, 'ros.mcap');
    const sink = await FileSink.create(f);
    const w = new McapWriter({ writable: sink });
    await w.start({ profile: 'ros2', library: 'test' });
    await w.end();
    await sink.close();
    await expect(readMcapStreamed(f, { ours: true })).rejects.toThrow(/not a Reachy Mini Console recording \(profile 'ros2'/);
  });

  it('refuses a corrupt file with where it broke, and repair leaves it unchanged', async () => {
    const good = join(dir, 'good.mcap');
    const sink = await FileSink.create(good);
    const w = new McapWriter({ writable: sink, chunkSize: 1024 });
    await w.start({ profile: 'reachy-console', library: 'test' });
    const schemaId = await w.registerSchema({ name: 's', encoding: 'jsonschema', data: new TextEncoder().encode('{}') });
    const channelId = await w.registerChannel({ topic: '/x', schemaId, messageEncoding: 'json', metadata: new Map() });
    for (let i = 0; i < 200; i++) {
      await w.addMessage({ channelId, sequence: i, logTime: BigInt(i), publishTime: BigInt(i), data: new TextEncoder().encode(JSON.stringify({ i, pad: 'x'.repeat(50) })) });
    }
    await w.end();
    await sink.close();
    const bytes = await readFile(good);
    const bad = Buffer.from(bytes);
    for (let i = 3000; i < 3064; i++) bad[i] ^= 0xff; // inside a chunk: its CRC no longer matches
    const f = join(dir, 'corrupt.mcap');
    await writeFile(f, bad);
    await expect(readMcapStreamed(f)).rejects.toThrow(/corrupt\.mcap is corrupt near byte \d+/);
    await expect(repairMcap(f)).rejects.toThrow(McapFileError);
    expect(Buffer.compare(await readFile(f), bad)).toBe(0);
  });
});
