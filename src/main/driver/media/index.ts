/** The driver's media function group (SPEC §5 media + detection rows, §6). */
import type { DriverFunctionGroup, DriverGroupDeps } from '../function-group';
import { buildMediaGroup, type MediaGroupOptions } from './functions';

export type { MediaGroupOptions } from './functions';
export { audioEventPayload, motionEventPayload } from './functions';
export { defaultSoundDirs, resolveSound, SOUND_EXTENSIONS } from './sounds';

export function createMediaFunctions(deps: DriverGroupDeps, opts?: MediaGroupOptions): DriverFunctionGroup {
  return buildMediaGroup(deps, opts);
}
