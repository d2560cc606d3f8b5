/**
 * `mcp --sim`: a simulated Reachy Mini and its driver in this process, on a private local mesh, with a mesh
 * client for the bridge. (Filled in when the simulator and driver land.)
 */
import type { Logger } from '../log';
import type { MeshClient } from '../mesh/types';

export interface SimStack {
  mesh: MeshClient;
  close(): Promise<void>;
}

export async function startSimStack(opts: { deviceId: string; logger: Logger }): Promise<SimStack> {
  throw new Error(`--sim is not available in this build yet (simulator/driver missing; device ${opts.deviceId})`);
}
