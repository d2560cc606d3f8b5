/** Media functions of the real driver, invoked over a real nats-server against the real simulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { MEDIA_REPLY_CAP_BYTES } from '../../../src/shared/reachy';
import type { MeshEvent } from '../../../src/shared/wire';
import { startMediaStack, type MediaStack } from './stack';
import sharp from 'sharp';

const bytes = (x: unknown): number => Buffer.byteLength(JSON.stringify(x));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('media over NATS (real nats-server, simulator, driver)', () => {
  let nats: NatsServerHandle;
  let s: MediaStack;
  const invoke = (fn: string, params: Record<string, unknown> = {}) => s.client.invoke(s.deviceId, fn, params, { timeoutMs: 15_000 }) as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    nats = await startNatsServer();
    // A short burst schedule so the audio test waits at most 2 s of wall time.
    s = await startMediaStack({ natsUrl: nats.url, media: { micSchedule: { periodS: 2, offsetS: 0.5, burstS: 1 } } });
  });
  afterAll(async () => {
    await s?.close();
    await nats?.stop();
  });

  it('every encoding answers under the 900,000-byte cap; oversized raw is a clear error', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{}, 640],
      [{ encoding: 'thumbnail' }, 320],
      [{ encoding: 'jpeg', max_edge: 1280, quality: 100 }, 1280],
      [{ encoding: 'raw', max_edge: 320 }, 320],
    ];
    for (const [params, width] of cases) {
      const r = await invoke('capture_video_frame', params);
      expect(r, JSON.stringify(params)).toMatchObject({ status: 'success', width });
      expect(bytes(r)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
    }
    await expect(invoke('capture_video_frame', { encoding: 'raw', max_edge: 1280 })).rejects.toThrow(/900000-byte media payload cap/);
    await expect(invoke('capture_video_frame', { max_edge: 5000 })).rejects.toThrow(/max_edge/);
    const audio = await invoke('capture_audio_sample', { duration_ms: 5000 });
    expect(audio.status).toBe('success');
    expect(bytes(audio)).toBeLessThan(MEDIA_REPLY_CAP_BYTES);
  });

  it('a jpeg capture is the simulator camera view at the head pose, as the head turns', async () => {
    const diff = (a: Buffer, b: Buffer): number => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
      return sum / a.length;
    };
    let previous: Buffer | null = null;
    for (const yaw of [-25, 0, 25]) {
      await invoke('look_at_world', { yaw, duration_s: 0 });
      await sleep(150);
      const r = await invoke('capture_video_frame', { encoding: 'jpeg' });
      expect(r).toMatchObject({ status: 'success', format: 'jpeg', width: 640, height: 360, jpeg_quality: 82 });
      const view = await s.media.frame(640);
      const { data, info } = await sharp(Buffer.from(r.data_b64 as string, 'base64')).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([640, 360]);
      // q82 noise is a few grey levels (the scene is full of fine lines); another view differs by tens.
      expect(diff(data, view.data)).toBeLessThan(8);
      if (previous) expect(diff(data, previous)).toBeGreaterThan(20);
      previous = data;
    }
  });

  it('detect_motion fires motion_event while the head moves and not when it is still', async () => {
    const events: MeshEvent[] = [];
    const off = s.client.subscribe(s.deviceId, 'motion_event', (e) => events.push(e));
    await invoke('detect_motion');
    await sleep(100);
    const still = await invoke('detect_motion');
    expect(still).toMatchObject({ status: 'success', emitted: false, event: { state: 'inactive' } });
    await invoke('look_at_world', { yaw: 20, pitch: 10, duration_s: 0 });
    await sleep(300);
    const moved = await invoke('detect_motion');
    expect(moved).toMatchObject({ status: 'success', emitted: true, event: { kind: 'motion_detected' } });
    for (let i = 0; i < 50 && events.length === 0; i++) await sleep(20);
    off();
    expect(events.map((e) => e.params.kind)).toContain('motion_detected');
  });

  it('detect_audio_activity fires audio_event during a scripted burst and not in silence', async () => {
    const events: MeshEvent[] = [];
    const off = s.client.subscribe(s.deviceId, 'audio_event', (e) => events.push(e));
    const phase = () => (s.sim.clock.now() / 1000) % 2;
    // Wait for silence (phase in [1.7, 2) or [0, 0.4)), measure 120 ms; then for the burst (phase in [0.7, 1.3)).
    while (!(phase() > 1.7 || phase() < 0.3)) await sleep(20);
    const quiet = await invoke('detect_audio_activity', { threshold: 0.05, duration_ms: 100 });
    expect(quiet).toMatchObject({ emitted: false, event: { state: 'inactive' } });
    while (!(phase() > 0.8 && phase() < 1.3)) await sleep(20);
    const loud = await invoke('detect_audio_activity', { threshold: 0.05, duration_ms: 100 });
    expect(loud).toMatchObject({ emitted: true, event: { kind: 'audio_activity_detected', state: 'active' } });
    for (let i = 0; i < 50 && events.length === 0; i++) await sleep(20);
    off();
    expect(events.map((e) => e.params.kind)).toEqual(['audio_activity_detected']);
  });

  it('get_media_status and stream access describe the simulator', async () => {
    expect(await invoke('get_media_status')).toMatchObject({ status: 'available', video_input: true, input_audio_samplerate: 16000, source: 'sim' });
    const access = await invoke('get_media_stream_access', { probe_signaling: false });
    expect(access).toMatchObject({ status: 'success', target: 'sim', media_source: 'sim', backends: { webrtc: { producer_name: 'reachymini' } } });
  });

  it('release_media_hardware frees the camera (captures then fail, naming why) and acquire gives it back', async () => {
    const rel = await invoke('release_media_hardware');
    expect(rel).toMatchObject({ status: 'success', released: true, daemon: { released: true } });
    const during = await invoke('capture_video_frame');
    expect(during.status).toBe('error');
    expect(String(during.reason)).toMatch(/released/);
    const acq = await invoke('acquire_media_hardware');
    expect(acq).toMatchObject({ status: 'success', released: false, daemon: { released: false } });
    expect(await invoke('capture_video_frame')).toMatchObject({ status: 'success', width: 640 });
  });
});
