/**
 * Media: source contract, encoding, detection, signalling protocol pieces. `createMediaSource(target)` picks the
 * source the driver should use for a daemon target.
 */
import type { DaemonTarget } from '../reachy';
import type { MediaSource } from './types';
import { SimHttpMediaSource } from './sim-http-source';
import { DEFAULT_SIGNALLING_PORT, WEBRTC_PRODUCER_NAME } from '../../shared/reachy';
import type { Logger } from '../log';

export * from './types';
export { encodeFrame, ENCODING_PRESETS, jpegBytes, jpegReply, jpegSize, ReplyTooLargeError, resolveMaxEdge, resolveQuality, type FrameEncoding, type VideoFrameReply } from './encode';
export { motionMagnitude, rms, confidence } from './detect';
export { SimHttpMediaSource } from './sim-http-source';
export { PushedMediaSource } from './pushed-source';
export type { WebrtcMediaSource, WebrtcSourceOptions } from './webrtc-source';
export { findFfmpeg } from './ffmpeg';
export { probeSignalling, type ProbeResult } from './signalling/probe';
export * from './signalling/protocol';
export { loadSharp, loadWerift } from './lazy';

/**
 * The media source for a daemon target: the simulator's camera/microphone when the target serves the simulator's
 * media extension (also for a standalone `reachy-console sim` reached as host:port); `undefined` for a real robot
 * (its media is WebRTC) — media functions then answer `unsupported` — unless `webrtc` is asked (or
 * REACHY_MEDIA_WEBRTC=1): then a WebrtcMediaSource consumes ws://<host>:8443 (producer reachymini) and decodes it.
 */
export async function createMediaSource(
  target: DaemonTarget,
  opts: { webrtc?: boolean; signallingUrl?: string; logger?: Logger } = {},
): Promise<MediaSource | undefined> {
  if (await SimHttpMediaSource.probe(target.baseUrl)) return new SimHttpMediaSource(target.baseUrl);
  const webrtc = opts.webrtc ?? ['1', 'true', 'yes'].includes((process.env.REACHY_MEDIA_WEBRTC ?? '').toLowerCase());
  if (!webrtc) return undefined;
  // Loaded only here: it pulls in werift (WebRTC), which a driver without this source does not need.
  const { WebrtcMediaSource } = await import('./webrtc-source');
  const source = new WebrtcMediaSource({
    signallingUrl: opts.signallingUrl ?? process.env.REACHY_SIGNALLING_URL ?? `ws://${target.host}:${DEFAULT_SIGNALLING_PORT}`,
    producerName: WEBRTC_PRODUCER_NAME,
    logger: opts.logger,
  });
  source.start();
  return source;
}
export { withMeasuredSize } from './encode';
