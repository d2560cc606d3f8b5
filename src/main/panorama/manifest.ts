/**
 * manifest.json of a scan: poses commanded and observed, camera intrinsics, coverage, drift warnings and the
 * outputs written. Declared once as a zod schema so tests (and readers) can check a manifest is valid.
 */
import { z } from 'zod';

const num = z.number().finite();

export const manifestFrame = z.object({
  index: z.number().int().nonnegative(),
  file: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  captured_at: z.string(),
  commanded: z.object({ body_yaw_deg: num, pitch_deg: num, head_yaw_deg: num, world_yaw_deg: num }),
  observed: z.object({
    body_yaw_deg: num.nullable(),
    /** World-frame head orientation from get_status (roll, pitch, yaw in degrees); null when not reported. */
    head_rpy_deg: z.object({ roll: num, pitch: num, yaw: num }).nullable(),
    /** Where the orientation used for stitching came from. */
    source: z.enum(['get_status', 'commanded']),
    /** Head motion between the readings before and after the capture (degrees). */
    motion_during_capture_deg: num.nullable(),
  }),
  drift: z.object({ body_yaw_deg: num.nullable(), head_world_yaw_deg: num.nullable() }),
});
export type ManifestFrame = z.infer<typeof manifestFrame>;

export const manifestSchema = z.object({
  version: z.literal(1),
  tool: z.literal('reachy-console panorama'),
  device_id: z.string(),
  status: z.enum(['running', 'complete', 'cancelled', 'error']),
  error: z.string().optional(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  options: z.record(z.string(), z.unknown()),
  plan: z.object({
    frames: z.number().int(),
    body_yaws_deg: z.array(num),
    pitches_deg: z.array(num),
    head_yaws_deg: z.array(num),
  }),
  camera: z.object({
    model: z.literal('pinhole'),
    /** Native intrinsics (the simulator's / daemon's `generic` specs unless told otherwise). */
    intrinsics: z.object({ width: num, height: num, fx: num, fy: num, cx: num, cy: num }),
    /** The same scaled to the captured frame size. */
    frame_intrinsics: z.object({ width: num, height: num, fx: num, fy: num, cx: num, cy: num }).nullable(),
  }),
  frames: z.array(manifestFrame),
  coverage: z.object({
    span_deg: num,
    largest_gap_deg: num,
    likely_full_360: z.boolean(),
    frames_captured: z.number().int(),
    frames_planned: z.number().int(),
    equirect_covered_fraction: num.nullable(),
  }),
  drift_warnings: z.array(z.object({ frame: z.number().int().nullable(), drift_deg: num, message: z.string() })),
  outputs: z.object({
    strips: z.array(z.string()),
    grid: z.string().nullable(),
    strip: z.string().nullable(),
    equirect: z.string().nullable(),
  }),
  stitching: z.string(),
});
export type PanoramaManifest = z.infer<typeof manifestSchema>;

export const STITCHING_NOTE =
  'panorama_equirect.jpg is a reprojection of every frame through the pinhole model (manifest.camera) at its ' +
  'observed head orientation, blended with weights falling to zero at frame edges; no feature matching, so its ' +
  'accuracy is that of the observed poses and intrinsics. Strips and panorama_grid.jpg are plain concatenations ' +
  'sorted by world yaw (as the prior tool).';
