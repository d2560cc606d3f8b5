/**
 * The simulator's media (camera, microphone, speaker; WebRTC as docs/DAEMON.md §5): `attachSimMedia(sim)` renders the camera
 * at the sim's world head pose and time, registers the media routes (our extension, see ./http.ts) through the
 * sim's media hook and, unless disabled, starts the webrtcsink-compatible signalling server with the `reachymini`
 * producer.
 */
import type { Simulator } from '../server';
import { HttpError } from '../http';
import { SimMedia, type WebrtcStartOptions } from './sim-media';
import { mediaRoutes } from './http';
import type { Logger } from '../../log';
import { createLogger } from '../../log';
import type { MicSchedule } from './microphone';

export { SimMedia, type JpegFrame, type WebrtcInfo, type WebrtcStartOptions } from './sim-media';
export { SimCamera } from './camera';
export { loadScene, findSceneFile, type SceneImage } from './scene';
export { SimMicrophone, DEFAULT_MIC_SCHEDULE, MIC_SAMPLE_RATE, inBurst, burstsBetween, type MicSchedule } from './microphone';
export { SimSpeaker, type SpeakerRecord } from './speaker';
export { SignallingServer } from './signalling-server';
export { WebrtcProducer } from './webrtc-producer';
export { mediaRoutes, serveMediaRoutes } from './http';
export { SCENE, renderScene } from './scene-gen';

export interface AttachSimMediaOptions {
  /** false = no signalling server / producer (default: started). */
  webrtc?: boolean | WebrtcStartOptions;
  micSchedule?: MicSchedule;
  logger?: Logger;
}

export async function attachSimMedia(sim: Simulator, opts: AttachSimMediaOptions = {}): Promise<SimMedia> {
  const logger = opts.logger ?? createLogger('sim-media');
  const media = new SimMedia({ now: () => sim.clock.now(), headPose: () => sim.state().headPose, micSchedule: opts.micSchedule, logger });
  // After POST /api/media/release the daemon's camera and microphone are gone until /api/media/acquire.
  const needsHardware = new Set(['/api/camera/frame', '/api/audio/mic']);
  for (const r of mediaRoutes(media)) {
    sim.http.addRoute(r.method, r.path, async (req) => {
      if (needsHardware.has(r.path) && sim.state().mediaReleased) {
        throw new HttpError(503, 'media hardware released (POST /api/media/release); call POST /api/media/acquire first');
      }
      const out = await r.handler({ query: req.query, rawBody: req.rawBody });
      return { status: out.status, json: out.json, body: out.body, contentType: out.contentType, headers: out.headers };
    });
  }
  // The scene (25 MB decoded) and sharp load on the first frame, not here: a driver whose media is on but unused
  // stays small. The first capture pays the decode once (about 0.1-0.3 s).
  if (opts.webrtc !== false) {
    const info = await media.startWebrtc(typeof opts.webrtc === 'object' ? opts.webrtc : { host: sim.host === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1' });
    if (info.running) logger.info(`WebRTC signalling ${info.signalling_url} (producer ${info.producer})`);
    else logger.warn(`WebRTC video not available: ${info.error ?? 'unknown reason'}`);
  }
  return media;
}
