/** Public surface of the panorama subsystem. */
export { planScan, stepsFor360, yawCoverage, PlanError, DEFAULT_STEPS, type ScanPlan } from './planner';
export { runScan, type ScanRunOptions, type ScanResult } from './executor';
export { stitchEquirect, EquirectAccumulator, autoEquirectWidth, type StitchFrame, type EquirectImage } from './equirect';
export { writeMosaics, stitchJpegFrames, frameFileName, type CapturedFrame } from './outputs';
export { manifestSchema, type PanoramaManifest } from './manifest';
export { measureAlignment, type AlignmentReport } from './alignment';
export { createPanoramaService } from './console-service';
export { PANORAMA_OWNER } from './robot';
export * from './executor';
export { ensureWritableDir } from './files';
export * from './planner';
