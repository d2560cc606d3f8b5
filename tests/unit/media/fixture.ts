/**
 * A simulator media stack for unit tests: the real SimMedia behind its real HTTP routes on 127.0.0.1, the driver's
 * real media group reading it through SimHttpMediaSource. Head pose and clock are plain variables the test sets
 * (the full simulator is exercised in tests/integration/media).
 */
import { SimMedia } from '../../../src/main/sim/media/sim-media';
import { serveMediaRoutes } from '../../../src/main/sim/media/http';
import { SimHttpMediaSource } from '../../../src/main/media/sim-http-source';
import type { MediaSource } from '../../../src/main/media/types';
import { buildMediaGroup, type MediaGroupOptions } from '../../../src/main/driver/media/functions';
import type { DriverFunctionGroup, DriverGroupDeps, MediaStatePatch } from '../../../src/main/driver/function-group';
import type { DaemonClient } from '../../../src/main/reachy/types';
import type { JsonObject } from '../../../src/shared/wire';
import { poseToMat4, type Mat4 } from '../../../src/shared/kinematics';
import { createLogger } from '../../../src/main/log';

export interface MediaFixture {
  baseUrl: string;
  media: SimMedia;
  source: SimHttpMediaSource;
  group: DriverFunctionGroup;
  events: Array<{ name: string; payload: JsonObject }>;
  statePatches: MediaStatePatch[];
  errors: string[];
  setPose(p: Mat4): void;
  setTimeS(t: number): void;
  call(name: string, params?: Record<string, unknown>): Promise<JsonObject>;
  close(): Promise<void>;
}

export async function startMediaFixture(
  opts: MediaGroupOptions & { withSource?: boolean; /** What the driver sees instead of the plain source (fallback tests). */ wrapSource?: (s: SimHttpMediaSource) => MediaSource } = {},
): Promise<MediaFixture> {
  let pose: Mat4 = poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 });
  let nowMs = 0;
  const media = new SimMedia({ now: () => nowMs, headPose: () => pose });
  const server = await serveMediaRoutes(media);
  const baseUrl = server.url;
  const source = new SimHttpMediaSource(baseUrl);
  const events: MediaFixture['events'] = [];
  const statePatches: MediaStatePatch[] = [];
  const errors: string[] = [];
  // Only the parts of the daemon client the media group touches; the sim's own routes are tested by the sim.
  const daemon = {
    target: { kind: 'sim', host: '127.0.0.1', port: 0, baseUrl },
    mediaStatus: async () => ({ available: true, released: false, no_media: false }),
    releaseMedia: async () => undefined,
    acquireMedia: async () => undefined,
    playSound: async () => undefined,
    // No joint stream here: captures report no pose.
    latestState: () => null,
  } as unknown as DaemonClient;
  const deps: DriverGroupDeps = {
    daemon,
    state: {
      snapshot: () => ({}),
      updateMedia: (p) => statePatches.push(p),
      setError: (m) => errors.push(m),
    },
    emit: (name, payload) => events.push({ name, payload }),
    logger: createLogger('media-test'),
    media: opts.withSource === false ? undefined : opts.wrapSource ? opts.wrapSource(source) : source,
  };
  const group = buildMediaGroup(deps, opts);
  return {
    baseUrl,
    media,
    source,
    group,
    events,
    statePatches,
    errors,
    setPose: (p) => (pose = p),
    setTimeS: (t) => (nowMs = t * 1000),
    async call(name, params = {}) {
      const fn = group.functions.find((f) => f.name === name);
      if (!fn) throw new Error(`no function ${name}`);
      // Same parsing the device runtime does before calling a handler.
      const parsed = fn.params.parse(params);
      return (await fn.handler(parsed, {})) as JsonObject;
    },
    close: () => server.close(),
  };
}

export const yawPose = (deg: number, pitchDeg = 0): Mat4 =>
  poseToMat4({ x: 0, y: 0, z: 0, roll: 0, pitch: (pitchDeg * Math.PI) / 180, yaw: (deg * Math.PI) / 180 });
