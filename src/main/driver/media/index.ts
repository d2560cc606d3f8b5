/** The driver's media function group (docs/SAFETY.md, docs/PRIOR-ART.md §B.2). */
import type { DriverFunctionGroup, DriverGroupDeps } from '../function-group';
import { buildMediaGroup, type MediaGroupOptions } from './functions';

export type { MediaGroupOptions } from './functions';
export { audioEventPayload, motionEventPayload } from './functions';
export { defaultSoundDirs, resolveSound, SOUND_EXTENSIONS } from './sounds';

export function createMediaFunctions(deps: DriverGroupDeps, opts?: MediaGroupOptions): DriverFunctionGroup {
  return buildMediaGroup(deps, opts);
}
