/**
 * Media: source contract, encoding, detection, signalling protocol pieces. `createMediaSource(target)` picks the
 * source the driver should use for a daemon target.
 */
import type { DaemonTarget } from '../reachy/types';
import type { MediaSource } from './types';
import { SimHttpMediaSource } from './sim-http-source';

export * from './types';
export { encodeFrame, ENCODING_PRESETS, ReplyTooLargeError, resolveMaxEdge, type FrameEncoding, type VideoFrameReply } from './encode';
export { motionMagnitude, rms, confidence } from './detect';
export { SimHttpMediaSource } from './sim-http-source';
export { PushedMediaSource } from './pushed-source';
export { probeSignalling, type ProbeResult } from './signalling/probe';
export * from './signalling/protocol';

/**
 * The media source for a daemon target: the simulator's camera/microphone when the target serves the simulator's
 * media extension (also for a standalone `reachy-console sim` reached as host:port); `undefined` for a real robot
 * (its media is WebRTC: attach a PushedMediaSource fed by a media renderer) — media functions then answer
 * `unsupported`.
 */
export async function createMediaSource(target: DaemonTarget): Promise<MediaSource | undefined> {
  if (await SimHttpMediaSource.probe(target.baseUrl)) return new SimHttpMediaSource(target.baseUrl);
  return undefined;
}
