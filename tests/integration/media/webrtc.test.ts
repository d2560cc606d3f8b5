/**
 * The simulator's WebRTC producer end to end: a Node consumer (werift) negotiates through the signalling server
 * following the reference flow and receives VP8 video, including keyframes; stream access probing finds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume } from './werift-consumer';
import { startMediaStack, type MediaStack } from './stack';

describe('simulator WebRTC video', () => {
  let s: MediaStack;
  beforeAll(async () => {
    s = await startMediaStack({ media: { webrtc: { fps: 10, width: 320 } } });
  });
  afterAll(async () => s?.close());

  it('get_media_stream_access(probe_signaling) finds the reachymini producer', async () => {
    const r = (await s.client.invoke(s.deviceId, 'get_media_stream_access', { probe_signaling: true })) as {
      backends: { webrtc: { signaling_url: string; probe: { ok: boolean; producer_found: boolean } } };
    };
    expect(r.backends.webrtc.signaling_url).toBe(s.media.webrtcInfo().signalling_url);
    expect(r.backends.webrtc.probe).toMatchObject({ ok: true, producer_found: true });
  });

  it('a consumer gets an SDP offer, answers, connects and receives VP8 packets with keyframes', async () => {
    const url = s.media.webrtcInfo().signalling_url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const c = await consume(url!);
    try {
      await c.connected;
      const end = Date.now() + 10_000;
      while ((c.packets() < 20 || c.keyframes() < 1) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(c.packets()).toBeGreaterThanOrEqual(20);
      expect(c.keyframes()).toBeGreaterThanOrEqual(1);
      const types = c.transcript.map((t) => `${t.dir}:${t.msg.type}`);
      expect(types.slice(0, 3)).toEqual(['in:welcome', 'out:setPeerStatus', 'out:list']);
      expect(types).toContain('in:sessionStarted');
      const offer = c.transcript.find((t) => t.dir === 'in' && t.msg.type === 'peer' && t.msg.sdp);
      expect((offer?.msg.sdp as { type: string; sdp: string }).sdp).toMatch(/m=video .*\r\n[\s\S]*VP8\/90000/);
    } finally {
      await c.close();
    }
  });
});
