import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { MEDIA_REPLY_CAP_BYTES } from '../../../src/shared/reachy';
import { startMediaFixture, yawPose, type MediaFixture } from './fixture';
import { DEFAULT_MIC_SCHEDULE } from '../../../src/main/sim/media/microphone';

const jsonBytes = (x: unknown): number => Buffer.byteLength(JSON.stringify(x));

describe('driver media functions on the simulator', () => {
  let fx: MediaFixture;
  let soundsDir: string;
  let outside: string;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'media-sounds-'));
    soundsDir = path.join(tmp, 'sounds');
    outside = path.join(tmp, 'secret.wav');
    await mkdir(soundsDir);
    await writeFile(path.join(soundsDir, 'beep.wav'), Buffer.alloc(64));
    await writeFile(outside, Buffer.alloc(64));
    await symlink(outside, path.join(soundsDir, 'escape.wav'));
    fx = await startMediaFixture({ soundDirs: [soundsDir] });
  });
  afterAll(async () => fx.close());

  it('capture_video_frame jpeg is a ≤640 px JPEG at q82 that decodes, under the cap', async () => {
    const r = await fx.call('capture_video_frame', {});
    expect(r).toMatchObject({ status: 'success', kind: 'video_frame', encoding: 'jpeg', format: 'jpeg', width: 640, height: 360, jpeg_quality: 82 });
    const img = await sharp(Buffer.from(r.data_b64 as string, 'base64')).metadata();
    expect([img.format, img.width, img.height]).toEqual(['jpeg', 640, 360]);
    expect(jsonBytes(r)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
    expect(r.rpc_json_bytes as number).toBeGreaterThanOrEqual(jsonBytes(r));
  });

  it('thumbnail is ≤320 px at q75; asking for a bigger thumbnail is refused with the range', async () => {
    const r = await fx.call('capture_video_frame', { encoding: 'thumbnail' });
    expect(r).toMatchObject({ width: 320, height: 180, jpeg_quality: 75 });
    expect(jsonBytes(r)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
    await expect(fx.call('capture_video_frame', { encoding: 'thumbnail', max_edge: 640 })).rejects.toThrow(/max_edge=640 outside allowed range \[16, 320\]/);
  });

  it('raw comes back when it fits and is refused with a clear error when its JSON would pass the cap', async () => {
    const r = await fx.call('capture_video_frame', { encoding: 'raw', max_edge: 320 });
    expect(r).toMatchObject({ format: 'raw', dtype: 'uint8', shape: [180, 320, 3], width: 320 });
    expect(Buffer.from(r.data_b64 as string, 'base64').length).toBe(320 * 180 * 3);
    expect(jsonBytes(r)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
    await expect(fx.call('capture_video_frame', { encoding: 'raw', max_edge: 1280 })).rejects.toThrow(/over the 900000-byte media payload cap/);
  });

  it('jpeg at full resolution and top quality still stays under the cap', async () => {
    const r = await fx.call('capture_video_frame', { encoding: 'jpeg', max_edge: 1280, quality: 100 });
    expect(r.width).toBe(1280);
    expect(jsonBytes(r)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
  });

  it('detect_audio_activity fires audio_event during a scripted burst and not in silence', async () => {
    const s = DEFAULT_MIC_SCHEDULE;
    fx.events.length = 0;
    fx.setTimeS(10 * s.periodS + s.offsetS - 0.5); // quiet room
    const quiet = await fx.call('detect_audio_activity', {});
    expect(quiet).toMatchObject({ status: 'success', emitted: false, event: { state: 'inactive' } });
    expect(fx.events).toHaveLength(0);
    fx.setTimeS(10 * s.periodS + s.offsetS + 0.6); // inside the burst
    const loud = await fx.call('detect_audio_activity', { threshold: 0.05, duration_ms: 120 });
    expect(loud).toMatchObject({ emitted: true, event: { kind: 'audio_activity_detected', state: 'active', source: 'microphone' } });
    expect(fx.events.map((e) => e.name)).toEqual(['audio_event']);
    expect(fx.events[0].payload).toMatchObject({ kind: 'audio_activity_detected', threshold: 0.05, duration_ms: 120, confidence: 1 });
    fx.setTimeS(11 * s.periodS + 0.5); // silence again: one "ended" event, then nothing
    await fx.call('detect_audio_activity', {});
    await fx.call('detect_audio_activity', {});
    expect(fx.events.map((e) => e.payload.kind)).toEqual(['audio_activity_detected', 'audio_activity_ended']);
  });

  it('detect_motion fires motion_event while the head moves and not when still', async () => {
    fx.events.length = 0;
    fx.setPose(yawPose(0));
    const first = await fx.call('detect_motion', {});
    expect(first).toMatchObject({ emitted: false, event: { magnitude: 0 }, frame: { width: 1280, height: 720 } });
    const still = await fx.call('detect_motion', {});
    expect(still).toMatchObject({ emitted: false, event: { state: 'inactive', magnitude: 0 } });
    fx.setPose(yawPose(4, 2));
    const moving = await fx.call('detect_motion', {});
    expect(moving).toMatchObject({ emitted: true, event: { kind: 'motion_detected', state: 'active', source: 'camera' } });
    expect((moving.event as { magnitude: number }).magnitude).toBeGreaterThan(0.02);
    expect(fx.events.map((e) => e.name)).toEqual(['motion_event']);
    expect(jsonBytes(moving)).toBeLessThan(2000); // numbers only, no pixels
  });

  it('play_audio_file plays a file of the sounds folder and refuses traversal, absolute paths and symlink escapes', async () => {
    const ok = await fx.call('play_audio_file', { sound_file: 'beep.wav' });
    expect(ok).toMatchObject({ status: 'accepted', sound_file: 'beep.wav' });
    expect(fx.media.speaker.history().at(-1)).toMatchObject({ kind: 'file', file: path.join(soundsDir, 'beep.wav') });
    const before = fx.media.speaker.history().length;
    await expect(fx.call('play_audio_file', { sound_file: '../secret.wav' })).rejects.toThrow(/must not contain "\.\."/);
    await expect(fx.call('play_audio_file', { sound_file: 'sub/../../secret.wav' })).rejects.toThrow(/must not contain "\.\."/);
    await expect(fx.call('play_audio_file', { sound_file: outside })).rejects.toThrow(/not an absolute path/);
    await expect(fx.call('play_audio_file', { sound_file: 'escape.wav' })).rejects.toThrow(/outside the allowed sounds folder/);
    await expect(fx.call('play_audio_file', { sound_file: '..\\secret.wav' })).rejects.toThrow(/backslashes/);
    await expect(fx.call('play_audio_file', { sound_file: 'missing.wav' })).rejects.toThrow(/not found/);
    expect(fx.media.speaker.history().length).toBe(before);
  });

  it('push_audio_sample reaches the speaker; bad sizes and rates are refused', async () => {
    const samples = new Float32Array(1600).fill(0.25);
    const data_b64 = Buffer.from(samples.buffer).toString('base64');
    const r = await fx.call('push_audio_sample', { data_b64, sample_rate: 16000, channels: 2 });
    expect(r).toMatchObject({ status: 'accepted', frames: 800, channels: 2 });
    expect(fx.media.speaker.history().at(-1)).toMatchObject({ kind: 'samples', frames: 800, channels: 2 });
    await expect(fx.call('push_audio_sample', { data_b64, sample_rate: 96000 })).rejects.toThrow();
    await expect(fx.call('push_audio_sample', { data_b64: Buffer.alloc(6).toString('base64') })).rejects.toThrow(/whole number of float32 frames/);
  });

  it('capture_audio_sample returns float32 16 kHz samples with their shape', async () => {
    const r = await fx.call('capture_audio_sample', { duration_ms: 250 });
    expect(r).toMatchObject({ status: 'success', kind: 'audio_sample', dtype: 'float32', shape: [4000, 1], sample_rate: 16000 });
    expect(Buffer.from(r.data_b64 as string, 'base64').length).toBe(4000 * 4);
  });
});

describe('driver media functions without a media source', () => {
  let fx: MediaFixture;
  beforeAll(async () => {
    fx = await startMediaFixture({ withSource: false, soundDirs: [] });
  });
  afterAll(async () => fx.close());

  it('answers an explicit unsupported reply, never a fake frame', async () => {
    for (const name of ['capture_video_frame', 'detect_motion', 'detect_audio_activity', 'capture_audio_sample', 'start_audio_input']) {
      const r = await fx.call(name, {});
      expect(r.status, name).toBe('unsupported');
      expect(String(r.reason)).toMatch(/no media source/);
      expect(r.data_b64).toBeUndefined();
    }
    expect(await fx.call('get_media_status')).toMatchObject({ status: 'unsupported', video_input: false, source: 'none' });
  });

  it('still gives stream access hints for the robot', async () => {
    const r = await fx.call('get_media_stream_access', {});
    expect(r).toMatchObject({ status: 'success', recommended_backend: 'webrtc', backends: { webrtc: { producer_name: 'reachymini' } } });
    expect((r.backends as { webrtc: { signaling_url: string } }).webrtc.signaling_url).toBe('ws://127.0.0.1:8443');
  });
});
