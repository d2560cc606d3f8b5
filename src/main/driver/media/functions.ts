/**
 * The driver's media and detection functions (docs/SAFETY.md; return shapes of docs/PRIOR-ART.md §B.2/B.3). Frames and audio
 * come from a pluggable MediaSource; without one every capture answers `{status:"unsupported", reason}` — never
 * fake data. Range violations throw (JSON-RPC -32000, message names the field and range); other failures are
 * recorded as the driver's last error and returned as `{status:"error", reason}`.
 */
import { errorMessage } from '../../../shared/errors';
import { z } from 'zod';
import type { DeviceFunction, EventDeclaration } from '../../mesh';
import type { DriverGroupDeps, DriverFunctionGroup, MediaSource as DriverMediaSource } from '../function-group';
import type { JsonObject } from '../../../shared/wire';
import { DEFAULT_SIGNALLING_PORT, MEDIA_REPLY_CAP_BYTES, WEBRTC_PRODUCER_NAME } from '../../../shared/reachy';
import type { MediaSource, RgbFrame, VideoFrameReply } from '../../media';
import { MediaUnsupportedError } from '../../media';
import { ENCODING_PRESETS, ReplyTooLargeError, encodeFrame, jpegReply, resolveMaxEdge, resolveQuality, withMeasuredSize } from '../../media';
import { confidence, motionMagnitude, rms } from '../../media';
import { SimHttpMediaSource } from '../../media';
import { probeSignalling } from '../../media';
import { SoundPathError, defaultSoundDirs, resolveSound } from './sounds';
import { observedView } from '../pose';

export interface MediaGroupOptions {
  /** Folders `play_audio_file` may read from (default: resources/sounds + REACHY_SOUNDS_DIR). */
  soundDirs?: string[];
  /** Overrides the signalling URL reported for a real robot (default ws://<host>:8443). */
  signallingUrl?: string;
}

type Reply = JsonObject;

function isRichSource(m: DriverMediaSource | undefined): m is MediaSource & DriverMediaSource {
  return !!m && typeof (m as Partial<MediaSource>).captureFrame === 'function' && typeof (m as Partial<MediaSource>).capabilities === 'function';
}

function def<S extends z.ZodType>(d: DeviceFunction<S>): DeviceFunction {
  return d as unknown as DeviceFunction;
}

const NO_SOURCE_REASON =
  'no media source: the driver runs without media (--no-media), or the robot is real and no WebRTC media renderer is attached';

export const audioEventPayload = z.object({
  kind: z.enum(['audio_activity_detected', 'audio_activity_ended']),
  source: z.literal('microphone'),
  state: z.enum(['active', 'inactive']),
  rms: z.number(),
  threshold: z.number(),
  duration_ms: z.number(),
  confidence: z.number(),
});

export const motionEventPayload = z.object({
  kind: z.enum(['motion_detected', 'motion_ended']),
  source: z.string(),
  state: z.enum(['active', 'inactive']),
  magnitude: z.number(),
  threshold: z.number(),
  confidence: z.number(),
});

const captureParams = z
  .object({
    encoding: z.enum(['jpeg', 'thumbnail', 'raw']).default('jpeg').describe('jpeg (≤640 px q82 preset), thumbnail (≤320 px q75) or raw RGB (only when small enough)'),
    max_edge: z.number().int().min(16).max(1280).optional().describe('Longest edge in pixels (jpeg/raw 16-1280, thumbnail 16-320); default 640 jpeg, 320 thumbnail/raw'),
    quality: z.number().int().min(1).max(100).optional().describe('JPEG quality 1-100; default 82 (jpeg) or 75 (thumbnail)'),
  })
  .strict();

const pushVideoParams = z
  .object({
    data_b64: z.string().min(1).max(1_200_000).describe('Base64 of width*height*channels uint8 bytes'),
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    channels: z.number().int().min(1).max(4).default(3),
    dtype: z.literal('uint8').default('uint8'),
  })
  .strict();

const pushAudioParams = z
  .object({
    data_b64: z.string().min(1).max(1_200_000).describe('Base64 of float32 little-endian interleaved samples'),
    sample_rate: z.number().int().min(8000).max(48_000).default(16_000),
    channels: z.number().int().min(1).max(8).default(1),
    dtype: z.literal('float32').default('float32'),
  })
  .strict();

const empty = z.object({}).strict();

/** Media functions that only observe (labelled `access: read`); the others change media state (`control`). */
const READ_FUNCTIONS = new Set([
  'get_media_status',
  'get_media_stream_access',
  'capture_video_frame',
  'capture_audio_sample',
  'detect_audio_activity',
  'detect_motion',
]);

export function buildMediaGroup(deps: DriverGroupDeps, opts: MediaGroupOptions = {}): DriverFunctionGroup {
  const source = isRichSource(deps.media) ? deps.media : null;
  const soundDirs = opts.soundDirs ?? defaultSoundDirs();
  let audioInput: 'started' | 'stopped' = 'stopped';
  let audioOutput: 'started' | 'stopped' = 'stopped';
  let audioActive = false;
  let motionActive = false;
  let previousFrame: RgbFrame | null = null;

  deps.state.updateMedia({
    media_ready: !!source,
    video_input_state: source ? 'available' : 'unavailable',
    audio_input_state: source ? 'stopped' : 'unavailable',
    audio_output_state: source ? 'stopped' : 'unavailable',
  });

  const unsupported = (reason = NO_SOURCE_REASON): Reply => ({ status: 'unsupported', reason });

  /** Runs `fn`; source gaps become `unsupported`, size overflows and other failures `error` (recorded). */
  async function guarded(name: string, fn: (s: MediaSource) => Promise<Reply>): Promise<Reply> {
    if (!source) return unsupported();
    try {
      return await fn(source);
    } catch (err) {
      if (err instanceof MediaUnsupportedError) return unsupported(err.message);
      const reason = errorMessage(err);
      deps.state.setError(`${name}: ${reason}`);
      deps.logger.warn(`${name} failed: ${reason}`);
      if (err instanceof ReplyTooLargeError) throw err; // the caller asked for more than the cap allows
      return { status: 'error', reason };
    }
  }

  /**
   * A frame encoded as asked. A source that encodes JPEG itself (the simulator) is asked for that, and its bytes are
   * checked (JPEG frame header of the announced size, within max_edge); a source that answered RGB, or whose JPEG
   * failed the check, gets the driver's own encode. Real robot sources (WebRTC) have no captureJpeg: unchanged path.
   */
  let sourceJpegBroken = false;
  async function captureEncoded(s: MediaSource, encoding: 'jpeg' | 'thumbnail' | 'raw', edge: number, quality: number | undefined): Promise<VideoFrameReply> {
    if (encoding !== 'raw' && s.captureJpeg && !sourceJpegBroken) {
      const q = resolveQuality(encoding, quality);
      const got = await s.captureJpeg(edge, q);
      if (got.kind === 'raw') return encodeFrame(got.frame, { encoding, maxEdge: edge, quality: q });
      try {
        return jpegReply(got, { encoding, maxEdge: edge, quality: q });
      } catch (err) {
        if (err instanceof ReplyTooLargeError) throw err;
        sourceJpegBroken = true;
        deps.logger.warn(`${s.kind} media source JPEG refused (${errorMessage(err)}); the driver encodes frames itself from now on`);
      }
    }
    return encodeFrame(await s.captureFrame(edge), { encoding, maxEdge: edge, quality });
  }

  const signallingUrl = (): string => opts.signallingUrl ?? `ws://${deps.daemon.target.host}:${DEFAULT_SIGNALLING_PORT}`;

  async function daemonMedia(): Promise<JsonObject> {
    try {
      return { ...(await deps.daemon.mediaStatus()) };
    } catch (err) {
      return { error: errorMessage(err) };
    }
  }

  const functions: DeviceFunction[] = [
    def({
      name: 'get_media_status',
      description: 'Media availability: video input, audio input/output and their sample rates and channels.',
      params: empty,
      handler: async () => {
        if (!source) {
          return {
            ...unsupported(),
            video_input: false,
            audio_input: false,
            audio_output: false,
            input_audio_samplerate: null,
            input_channels: null,
            output_audio_samplerate: null,
            output_channels: null,
            source: 'none',
          };
        }
        const c = source.capabilities();
        return {
          status: c.videoInput || c.audioInput || c.audioOutput ? 'available' : 'unavailable',
          video_input: c.videoInput,
          audio_input: c.audioInput,
          audio_output: c.audioOutput,
          input_audio_samplerate: c.inputSampleRate,
          input_channels: c.inputChannels,
          output_audio_samplerate: c.outputSampleRate,
          output_channels: c.outputChannels,
          source: source.kind,
          description: source.description,
          audio_input_state: audioInput,
          audio_output_state: audioOutput,
        };
      },
    }),
    def({
      name: 'get_media_stream_access',
      description:
        'How to reach the robot media directly: WebRTC signalling URL (ws://<robot>:8443, producer "reachymini"), daemon API URL, backends. probe_signaling=true checks the producer is listed.',
      params: z.object({ probe_signaling: z.boolean().default(false).describe('Connect to the signalling server and check the producer is listed') }).strict(),
      handler: async ({ probe_signaling }) => {
        const target = deps.daemon.target;
        let url = signallingUrl();
        let note: string | null = null;
        if (source instanceof SimHttpMediaSource) {
          try {
            const info = await source.webrtcInfo();
            if (info.signalling_url) url = info.signalling_url;
            else note = `simulator WebRTC producer not running${info.error ? `: ${info.error}` : ''}`;
          } catch (err) {
            note = `simulator WebRTC info unavailable: ${errorMessage(err)}`;
          }
        }
        const onRobot = ['127.0.0.1', 'localhost', '::1'].includes(target.host) && target.kind !== 'sim';
        const webrtc: JsonObject = {
          available: note === null,
          signaling_url: url,
          producer_name: WEBRTC_PRODUCER_NAME,
          protocol: 'gstreamer-webrtcsink (gst-plugins-rs) JSON signalling',
          video: true,
          audio: true,
        };
        if (note) webrtc.note = note;
        if (probe_signaling) webrtc.probe = { ...(await probeSignalling(url, WEBRTC_PRODUCER_NAME)) };
        return {
          status: 'success',
          target: target.kind === 'sim' ? 'sim' : `${target.host}:${target.port}`,
          daemon_api_url: `${target.baseUrl}/api`,
          recommended_backend: 'webrtc',
          driver_on_robot: onRobot,
          media_source: source ? source.kind : 'none',
          daemon_media: await daemonMedia(),
          backends: {
            webrtc,
            local: {
              available: onRobot,
              socket_path: '/tmp/reachymini_camera_socket',
              note: 'GStreamer unixfd IPC on the robot itself (BGR, 10 fps); needs GStreamer',
            },
            direct_hardware: {
              available: onRobot,
              note: 'call release_media_hardware first so the daemon frees the camera and microphone; acquire_media_hardware gives them back',
            },
          },
          usage_notes: [
            'Browser/WebRTC consumers: connect to signaling_url, wait for welcome, send setPeerStatus {roles:["listener"]} and list, then startSession with the producer id whose meta.name is "reachymini"; the robot sends the SDP offer.',
            'Frames over the mesh: capture_video_frame (jpeg ≤640 px, thumbnail ≤320 px); every reply stays under 900,000 bytes.',
            'The signalling server is unauthenticated; keep it on a trusted LAN.',
          ],
        };
      },
    }),
    def({
      name: 'release_media_hardware',
      description: 'Ask the daemon to release the camera and microphone (POST /api/media/release) so another process can open them.',
      params: empty,
      handler: async () => {
        try {
          await deps.daemon.releaseMedia();
          const daemon = await daemonMedia();
          deps.state.updateMedia({ media_ready: false });
          return { status: 'success', released: true, daemon };
        } catch (err) {
          const reason = errorMessage(err);
          deps.state.setError(`release_media_hardware: ${reason}`);
          return { status: 'error', reason };
        }
      },
    }),
    def({
      name: 'acquire_media_hardware',
      description: 'Ask the daemon to take the camera and microphone back (POST /api/media/acquire).',
      params: empty,
      handler: async () => {
        try {
          await deps.daemon.acquireMedia();
          const daemon = await daemonMedia();
          deps.state.updateMedia({ media_ready: !!source });
          return { status: 'success', released: false, daemon };
        } catch (err) {
          const reason = errorMessage(err);
          deps.state.setError(`acquire_media_hardware: ${reason}`);
          return { status: 'error', reason };
        }
      },
    }),
    def({
      name: 'capture_video_frame',
      description: `Capture one camera frame: encoding jpeg (640 px, q82), thumbnail (320 px, q75) or raw RGB (only when the reply stays under ${MEDIA_REPLY_CAP_BYTES} bytes). Returns base64 data and its size.`,
      params: captureParams,
      // `result: image`: the reply carries an image (base64 `data_b64`, its `format`); MCP shows it as a picture.
      labels: { result: 'image' },
      handler: async ({ encoding, max_edge, quality }) => {
        // Range check first: bad input is an error even without a source.
        const edge = resolveMaxEdge(encoding, max_edge);
        if (encoding === 'raw' && quality !== undefined) throw new Error('quality applies to jpeg and thumbnail only, not raw');
        return guarded('capture_video_frame', async (s) => {
          // Where the camera looked: the observed pose when the frame was taken.
          const state = deps.daemon.latestState();
          const view = state ? observedView(state) : null;
          const encoded = await captureEncoded(s, encoding, edge, quality);
          const head = view ? { rpy_deg: view.head_pose.rpy_deg, xyz_mm: view.head_pose.xyz_mm } : null;
          return { ...encoded, head_pose: head, body_yaw_deg: view?.body_yaw_deg ?? null } as unknown as Reply;
        });
      },
    }),
    def({
      name: 'push_video_frame',
      description: 'Send a raw frame (uint8, width×height×channels) to the robot media sink, when the source has one.',
      params: pushVideoParams,
      handler: async ({ data_b64, width, height, channels }) => {
        const data = Buffer.from(data_b64, 'base64');
        if (data.length !== width * height * channels) {
          throw new Error(`data_b64 decodes to ${data.length} bytes; expected width*height*channels = ${width * height * channels}`);
        }
        return guarded('push_video_frame', async (s) => {
          if (!s.pushVideoFrame) return unsupported(`the ${s.kind} media source has no video output`);
          if (channels !== 3) return unsupported('only 3-channel RGB frames can be pushed');
          await s.pushVideoFrame({ width, height, data, ts: Date.now() });
          return { status: 'accepted', width, height, channels };
        });
      },
    }),
    def({
      name: 'start_audio_input',
      description: 'Start recording from the microphone.',
      params: empty,
      handler: async () =>
        guarded('start_audio_input', async (s) => {
          if (!s.capabilities().audioInput) return unsupported('this media source has no microphone');
          audioInput = 'started';
          deps.state.updateMedia({ audio_input_state: 'recording' });
          return { status: 'started', result: { source: s.kind, sample_rate: s.capabilities().inputSampleRate } };
        }),
    }),
    def({
      name: 'stop_audio_input',
      description: 'Stop recording from the microphone.',
      params: empty,
      handler: async () =>
        guarded('stop_audio_input', async (s) => {
          audioInput = 'stopped';
          deps.state.updateMedia({ audio_input_state: 'stopped' });
          return { status: 'stopped', result: { source: s.kind } };
        }),
    }),
    def({
      name: 'capture_audio_sample',
      description: 'The latest microphone samples as float32 (base64), shape [frames, channels].',
      params: z
        .object({
          encoding: z.literal('float32').default('float32').describe('Only float32 is supported'),
          duration_ms: z.number().int().min(1).max(5000).default(100).describe('How much audio, 1-5000 ms'),
        })
        .strict(),
      handler: async ({ duration_ms }) =>
        guarded('capture_audio_sample', async (s) => {
          if (!s.capabilities().audioInput) return unsupported('this media source has no microphone');
          const a = await s.captureAudio(duration_ms);
          const bytes = Buffer.from(a.samples.buffer, a.samples.byteOffset, a.samples.byteLength);
          return withMeasuredSize({
            status: 'success',
            kind: 'audio_sample',
            dtype: 'float32',
            shape: [Math.floor(a.samples.length / a.channels), a.channels],
            sample_rate: a.sampleRate,
            start_s: a.startS,
            audio_input_state: audioInput,
            data_b64: bytes.toString('base64'),
            rpc_json_bytes: 0,
          });
        }),
    }),
    def({
      name: 'start_audio_output',
      description: 'Start the speaker output.',
      params: empty,
      handler: async () =>
        guarded('start_audio_output', async (s) => {
          if (!s.capabilities().audioOutput) return unsupported('this media source has no speaker');
          audioOutput = 'started';
          deps.state.updateMedia({ audio_output_state: 'playing' });
          return { status: 'started', result: { source: s.kind, sample_rate: s.capabilities().outputSampleRate } };
        }),
    }),
    def({
      name: 'stop_audio_output',
      description: 'Stop the speaker output.',
      params: empty,
      handler: async () =>
        guarded('stop_audio_output', async (s) => {
          audioOutput = 'stopped';
          deps.state.updateMedia({ audio_output_state: 'stopped' });
          return { status: 'stopped', result: { source: s.kind } };
        }),
    }),
    def({
      name: 'play_audio_file',
      description: 'Play a sound file from the allowed sounds folder on the robot speaker (a file name such as "chime.wav"; paths outside the folder are refused).',
      params: z.object({ sound_file: z.string().min(1).max(255).describe('File name inside the allowed sounds folder') }).strict(),
      handler: async ({ sound_file }) => {
        let real: string;
        try {
          real = await resolveSound(sound_file, soundDirs);
        } catch (err) {
          if (err instanceof SoundPathError) throw new Error(err.message, { cause: err });
          throw err;
        }
        if (source?.playFile) {
          return guarded('play_audio_file', async (s) => {
            await s.playFile?.(real);
            return { status: 'accepted', sound_file, result: { played_by: s.kind } };
          });
        }
        try {
          // The daemon resolves the path on its own host: this works when the driver runs on the robot.
          await deps.daemon.playSound(real);
          return { status: 'accepted', sound_file, result: { played_by: 'daemon' } };
        } catch (err) {
          const reason = errorMessage(err);
          deps.state.setError(`play_audio_file: ${reason}`);
          return { status: 'error', reason };
        }
      },
    }),
    def({
      name: 'push_audio_sample',
      description: 'Send float32 samples (base64) to the robot speaker. sample_rate 8000-48000, channels 1-8.',
      params: pushAudioParams,
      handler: async ({ data_b64, sample_rate, channels }) => {
        const bytes = Buffer.from(data_b64, 'base64');
        if (bytes.length % (4 * channels) !== 0) {
          throw new Error(`data_b64 decodes to ${bytes.length} bytes; must be a whole number of float32 frames of ${channels} channel(s)`);
        }
        const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        return guarded('push_audio_sample', async (s) => {
          if (!s.pushAudio) return unsupported(`the ${s.kind} media source has no speaker input`);
          await s.pushAudio({ sampleRate: sample_rate, channels, samples, startS: 0 });
          return { status: 'accepted', sample_rate, channels, frames: samples.length / channels };
        });
      },
    }),
    def({
      name: 'detect_audio_activity',
      description:
        'Measure microphone RMS over duration_ms and compare with threshold; emits audio_event when activity is detected or ends.',
      params: z
        .object({
          threshold: z.number().min(0).max(1).default(0.05).describe('RMS threshold 0-1'),
          duration_ms: z.number().int().min(1).max(10_000).default(120).describe('Window length 1-10000 ms'),
        })
        .strict(),
      handler: async ({ threshold, duration_ms }) =>
        guarded('detect_audio_activity', async (s) => {
          if (!s.capabilities().audioInput) return unsupported('this media source has no microphone');
          const a = await s.captureAudio(duration_ms);
          const level = rms(a.samples);
          const active = level >= threshold;
          const event = {
            kind: active ? 'audio_activity_detected' : 'audio_activity_ended',
            source: 'microphone',
            state: active ? 'active' : 'inactive',
            rms: level,
            threshold,
            duration_ms,
            confidence: confidence(level, threshold),
          } as const;
          // Evidence only when something happens: activity, or the end of a previous activity.
          const emitted = active || audioActive;
          audioActive = active;
          if (emitted) {
            deps.emit('audio_event', { ...event });
            deps.state.updateMedia({ audio_activity: event.state, last_audio_event: { ...event } });
          }
          return { status: 'success', event: { ...event }, emitted };
        }),
    }),
    def({
      name: 'detect_motion',
      description:
        'Fraction of pixels that changed since the previous call (full frames on the driver; the first call returns 0); emits motion_event when motion is detected or ends.',
      params: z
        .object({
          threshold: z.number().min(0).max(1).default(0.02).describe('Changed-pixel fraction threshold 0-1'),
          source: z.literal('camera').default('camera'),
        })
        .strict(),
      handler: async ({ threshold, source: src }) =>
        guarded('detect_motion', async (s) => {
          if (!s.capabilities().videoInput) return unsupported('this media source has no camera');
          const frame = await s.captureFrame();
          const magnitude = previousFrame ? motionMagnitude(previousFrame, frame) : 0;
          const intervalMs = previousFrame ? frame.ts - previousFrame.ts : null;
          previousFrame = frame;
          const active = magnitude >= threshold && magnitude > 0;
          const event = {
            kind: active ? 'motion_detected' : 'motion_ended',
            source: src,
            state: active ? 'active' : 'inactive',
            magnitude,
            threshold,
            confidence: confidence(magnitude, threshold),
          } as const;
          const emitted = active || motionActive;
          motionActive = active;
          if (emitted) {
            deps.emit('motion_event', { ...event });
            deps.state.updateMedia({ video_motion_state: event.state, last_motion_event: { ...event } });
          }
          return { status: 'success', event: { ...event }, emitted, frame: { width: frame.width, height: frame.height }, interval_ms: intervalMs };
        }),
    }),
  ];

  const events: EventDeclaration[] = [
    { name: 'audio_event', description: 'Microphone activity detected or ended (from detect_audio_activity).', payload: audioEventPayload },
    { name: 'motion_event', description: 'Camera motion detected or ended (from detect_motion).', payload: motionEventPayload },
  ];

  return {
    // What each function does to the robot, for readers such as MCP allow-lists: observing or changing media state.
    functions: functions.map((f) => ({ ...f, labels: { ...(f.labels ?? {}), group: 'media', access: READ_FUNCTIONS.has(f.name) ? 'read' : 'control' } })),
    events,
    async stop() {
      previousFrame = null;
    },
  };
}

export { ENCODING_PRESETS };
