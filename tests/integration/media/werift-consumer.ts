/**
 * A Node WebRTC consumer (werift) that follows the reference consumer flow (reachy-mini-daemon.md §A.4) against a
 * webrtcsink-protocol signalling server, and counts the RTP video packets it receives. Test helper.
 */
import WebSocket from 'ws';
import { RTCPeerConnection, RTCIceCandidate, RTCRtpCodecParameters } from 'werift';

export interface ConsumerResult {
  transcript: Array<{ dir: 'in' | 'out'; msg: Record<string, unknown> }>;
  packets: () => number;
  keyframes: () => number;
  close: () => Promise<void>;
  connected: Promise<void>;
}

export async function consume(url: string, producerName = 'reachymini'): Promise<ConsumerResult> {
  const transcript: ConsumerResult['transcript'] = [];
  const ws = new WebSocket(url);
  const pc = new RTCPeerConnection({
    codecs: { video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })], audio: [] },
  });
  let packets = 0;
  let keyframes = 0;
  let sessionId: string | null = null;
  let onConnected: () => void = () => undefined;
  const connected = new Promise<void>((r) => (onConnected = r));
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      packets++;
      // VP8 payload descriptor: S bit set + first partition byte P bit clear = keyframe start.
      const p = rtp.payload;
      const x = (p[0] & 0x80) !== 0;
      let off = 1;
      if (x) {
        const i = (p[1] & 0x80) !== 0;
        off = 2;
        if (i) off += p[2] & 0x80 ? 2 : 1;
        if (p[1] & 0x40) off++;
        if (p[1] & 0x30) off++;
      }
      if (p[0] & 0x10 && (p[off] & 0x01) === 0) keyframes++;
    });
  });
  pc.connectionStateChange.subscribe((s) => {
    if (s === 'connected') onConnected();
  });
  const send = (msg: Record<string, unknown>): void => {
    transcript.push({ dir: 'out', msg });
    ws.send(JSON.stringify(msg));
  };
  pc.onIceCandidate.subscribe((c) => {
    if (c && sessionId) send({ type: 'peer', sessionId, ice: c.toJSON() as unknown as Record<string, unknown> });
  });
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as Record<string, unknown> & { type: string };
    transcript.push({ dir: 'in', msg });
    void (async () => {
      switch (msg.type) {
        case 'welcome':
          send({ type: 'setPeerStatus', roles: ['listener'], meta: { name: 'test-consumer' } });
          send({ type: 'list' });
          break;
        case 'list': {
          const producers = msg.producers as Array<{ id: string; meta: { name?: string } | null }>;
          const p = producers.find((x) => x.meta?.name === producerName);
          if (p) send({ type: 'startSession', peerId: p.id });
          break;
        }
        case 'sessionStarted':
          sessionId = msg.sessionId as string;
          break;
        case 'peer': {
          const sdp = msg.sdp as { type: 'offer'; sdp: string } | undefined;
          const ice = msg.ice as { candidate: string; sdpMLineIndex?: number } | undefined;
          if (sdp?.type === 'offer') {
            await pc.setRemoteDescription(sdp);
            const answer = await pc.createAnswer();
            await pc.setLocalDescription(answer);
            send({ type: 'peer', sessionId: msg.sessionId, sdp: { type: 'answer', sdp: pc.localDescription?.sdp ?? answer.sdp } });
          }
          if (ice?.candidate) await pc.addIceCandidate(new RTCIceCandidate({ candidate: ice.candidate, sdpMLineIndex: ice.sdpMLineIndex ?? 0 }));
          break;
        }
      }
    })().catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    transcript,
    packets: () => packets,
    keyframes: () => keyframes,
    connected,
    async close() {
      if (sessionId && ws.readyState === WebSocket.OPEN) send({ type: 'endSession', sessionId });
      await pc.close();
      ws.close();
    },
  };
}
