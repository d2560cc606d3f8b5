/** Camera source `reachy`: frames from the driver's `capture_video_frame` (over MeshClient.invoke), decoded to RGB. */
import { z } from 'zod';
import { driverCall } from '../../../shared/driver-functions';
import type { MeshClient } from '../../mesh';
import { resolveMesh, type MeshSource } from '../connectors/reachy-mini';
import { DEFAULT_DEVICE_ID } from '../../../shared/reachy';
import { RunnerError, errorMessage } from '../errors';
import { jpegToFrame } from '../transports/wire';
import type { CameraSource, RgbFrame } from '../types';

export const reachyCameraConfig = z
  .object({
    device_id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/, 'must be a device id like reachy-mini-1').default(DEFAULT_DEVICE_ID),
    encoding: z.enum(['jpeg', 'thumbnail']).default('jpeg'),
    max_edge: z.number().int().min(32).max(1280).default(320),
    quality: z.number().int().min(1).max(100).default(80),
    invoke_timeout_s: z.number().min(0.1).max(60).default(5),
  })
  .strict();
export type ReachyCameraConfig = z.input<typeof reachyCameraConfig>;

export class ReachyCamera implements CameraSource {
  private readonly cfg: z.output<typeof reachyCameraConfig>;
  private mesh: MeshClient | null = null;
  constructor(
    private readonly meshSource: MeshSource,
    config: ReachyCameraConfig = {},
  ) {
    this.cfg = reachyCameraConfig.parse(config);
  }

  async start(): Promise<void> {
    this.mesh = await resolveMesh(this.meshSource);
    await this.read(); // fails early (e.g. `unsupported` media) instead of at the first step
  }

  async read(): Promise<RgbFrame> {
    const captureTimeNs = BigInt(Date.now()) * 1_000_000n;
    if (!this.mesh) throw new RunnerError('observe_failed', 'camera not started');
    let reply: unknown;
    try {
      const { fn, params } = driverCall('capture_video_frame', { encoding: this.cfg.encoding, max_edge: this.cfg.max_edge, quality: this.cfg.quality });
      reply = await this.mesh.invoke(this.cfg.device_id, fn, params, { timeoutMs: this.cfg.invoke_timeout_s * 1000 });
    } catch (err) {
      throw new RunnerError('observe_failed', `capture_video_frame: ${errorMessage(err)}`, { cause: err });
    }
    const r = (reply ?? {}) as { status?: unknown; data_b64?: unknown; reason?: unknown };
    if (typeof r.data_b64 !== 'string')
      throw new RunnerError('observe_failed', `capture_video_frame: ${String(r.status ?? 'no frame')}${r.reason ? ` (${String(r.reason)})` : ''}`);
    const frame = await jpegToFrame(Buffer.from(r.data_b64, 'base64'));
    return { ...frame, captureTimeNs };
  }

  async stop(): Promise<void> {}
}
