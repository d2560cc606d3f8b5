/** Public surface of record: MCAP recording, replay reading and the live Foxglove bridge (other subsystems import only from here). */
export { Recorder, compactForRecord, RECORDER_CALLER, type RecorderOptions, type RecorderStats, type ToolCallRecord } from './recorder';
export { McapFileError, repairMcap, readMcapStreamed, openIndexed, type RepairResult } from './mcap-file';
export { startFoxgloveBridge, isLoopbackHost, DEFAULT_ALLOWED_ORIGINS, type FoxgloveBridge, type FoxgloveBridgeOptions } from './foxglove';
export { RECORDING_PROFILE, topics } from './channels';
export { createRecordService } from './console-service';
