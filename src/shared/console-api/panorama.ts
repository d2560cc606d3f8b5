/**
 * ConsoleApi methods of the panorama panel, and the scan options shared by the CLI (`reachy-console panorama`),
 * the console and the planner: one zod declaration, so a bad option gets the same message everywhere.
 */
import { z } from 'zod';
import { LIMITS } from '../reachy';
import { method } from './protocol';

const deviceId = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/, 'device id must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$');

const steps = (name: string, max: number) =>
  z
    .number({ error: `${name} must be a whole number in [1, ${max}]` })
    .int(`${name} must be a whole number in [1, ${max}]`)
    .min(1, `${name} must be in [1, ${max}] (at least one step)`)
    .max(max, `${name} must be in [1, ${max}]`);

const halfRange = (name: string, limit: number) =>
  z
    .number({ error: `${name} must be a number in [0, ${limit}]` })
    .min(0, `${name} must be in [0, ${limit}] degrees`)
    .max(limit, `${name} outside safe range [0, ${limit}] degrees`);

/** Scan options (docs/ARCHITECTURE.md, the prior tool's flags). Step counts left undefined take the defaults or --full-360. */
export const panoramaScanOptions = z.object({
  deviceId: deviceId.default('reachy-mini-1'),
  /** Pick step counts for ≥ overlapDeg overlap between neighbouring frames all around. */
  full360: z.boolean().default(false),
  yawSteps: steps('yawSteps', 25).optional(),
  bodyYawSteps: steps('bodyYawSteps', 25).optional(),
  pitchSteps: steps('pitchSteps', 15).optional(),
  /** Half spans (±) of the grids, degrees; each within the driver's LIMITS. */
  yawRangeDeg: halfRange('yawRangeDeg', LIMITS.headYawDeg.max).default(LIMITS.headYawDeg.max),
  bodyYawRangeDeg: halfRange('bodyYawRangeDeg', LIMITS.bodyYawDeg.max).default(LIMITS.bodyYawDeg.max),
  pitchRangeDeg: halfRange('pitchRangeDeg', LIMITS.headPitchDeg.max).default(LIMITS.headPitchDeg.max),
  overlapDeg: z.number().min(0, 'overlapDeg must be in [0, 45]').max(45, 'overlapDeg must be in [0, 45]').default(15),
  maxEdge: z.number().int().min(64, 'maxEdge must be in [64, 1280]').max(1280, 'maxEdge must be in [64, 1280]').default(640),
  quality: z.number().int().min(1, 'quality must be in [1, 100]').max(100, 'quality must be in [1, 100]').default(82),
  encoding: z.enum(['jpeg', 'thumbnail'], { error: "encoding must be 'jpeg' or 'thumbnail'" }).default('jpeg'),
  alignHeadHome: z.boolean().default(true),
  bodyDriftToleranceDeg: z
    .number()
    .min(0, 'bodyDriftToleranceDeg must be in [0, 90]')
    .max(90, 'bodyDriftToleranceDeg must be in [0, 90]')
    .default(3),
  /** Wait after each motion before reading the pose and capturing. */
  settleS: z.number().min(0, 'settleS must be in [0, 10]').max(10, 'settleS must be in [0, 10]').default(0.5),
  /** After settleS, keep waiting up to this long for the observed body yaw to reach its target and the head to hold still. */
  settleTimeoutS: z.number().min(0, 'settleTimeoutS must be in [0, 30]').max(30, 'settleTimeoutS must be in [0, 30]').default(3),
  /** Body turn duration (interpolated move). */
  bodyMoveS: z.number().min(0, 'bodyMoveS must be in [0, 10]').max(10, 'bodyMoveS must be in [0, 10]').default(0.8),
  /** Width of panorama_equirect.jpg; 0 = chosen from the frames' angular resolution. */
  equirectWidth: z
    .number()
    .int()
    .refine((v) => v === 0 || (v >= 256 && v <= 8192), 'equirectWidth must be 0 (auto) or in [256, 8192]')
    .default(0),
});
export type PanoramaScanOptions = z.output<typeof panoramaScanOptions>;
export type PanoramaScanOptionsInput = z.input<typeof panoramaScanOptions>;

export interface PanoramaPose {
  /** Commanded body yaw, degrees. */
  bodyYawDeg: number;
  /** Head pitch, degrees (positive = nose down). */
  pitchDeg: number;
  /** Head yaw relative to the body, degrees. */
  headYawDeg: number;
}

export interface PanoramaPlanSummary {
  poses: PanoramaPose[];
  bodyYaws: number[];
  pitches: number[];
  headYaws: number[];
  frames: number;
  /** World yaw coverage of the centre pitch row (degrees). */
  coverage: { spanDeg: number; largestGapDeg: number; likelyFull360: boolean };
  /** Horizontal / vertical field of view assumed (degrees). */
  hfovDeg: number;
  vfovDeg: number;
  estimatedSeconds: number;
  notes: string[];
}

export type PanoramaPhase = 'starting' | 'moving' | 'capturing' | 'stitching' | 'writing' | 'done' | 'cancelled' | 'error';

export interface PanoramaProgress {
  done: number;
  total: number;
  phase: PanoramaPhase | string;
  message?: string;
  scanId?: string;
  /** Pose being captured (commanded). */
  pose?: PanoramaPose;
  /** data:image/jpeg;base64 thumbnail of the last frame. */
  thumbnail?: string;
}

export interface PanoramaResultInfo {
  scanId: string;
  status: 'done' | 'cancelled' | 'error';
  outputDir: string;
  framesCaptured: number;
  framesPlanned: number;
  files: string[];
  driftWarnings: number;
  error?: string;
  /** data:image/jpeg;base64 previews (downscaled) of the outputs that exist. */
  equirectPreview?: string;
  gridPreview?: string;
}

export interface PanoramaStatus {
  state: 'idle' | 'running';
  scanId?: string;
  progress?: PanoramaProgress;
  last?: PanoramaResultInfo;
}

const scanId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'scanId: letters, digits, _ and - (1-80)');

export const panoramaMethods = {
  panoramaPlan: method<PanoramaPlanSummary>()('Preview the poses a scan would visit (no motion).', panoramaScanOptions),
  panoramaStart: method<{ scanId: string; outputDir: string; total: number }>()(
    'Start a panorama scan; progress arrives as panorama_progress pushes.',
    panoramaScanOptions.extend({
      /** Folder name under the console's data folder (no paths: the UI never picks where main writes). */
      outputName: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, 'outputName: a folder name (letters, digits, _ . -), not a path')
        .optional(),
    }),
  ),
  panoramaCancel: method<{ cancelled: boolean }>()('Cancel the running scan (robot left safe, partial results kept).', z.object({})),
  panoramaStatus: method<PanoramaStatus>()('Whether a scan runs, its progress and the last result.', z.object({})),
  panoramaResult: method<PanoramaResultInfo>()('Result of a scan, with previews of its images.', z.object({ scanId })),
  panoramaOpenFolder: method<{ path: string; opened: boolean }>()(
    'Open the output folder of a scan in the file manager where possible.',
    z.object({ scanId }),
  ),
};
