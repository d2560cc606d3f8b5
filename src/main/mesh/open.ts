/**
 * One call from a MeshConfig to a connection that DeviceRuntime and createMeshClient both accept.
 * `local` joins the process-wide in-process mesh (or the LocalMesh given), `nats` connects to the broker.
 */
import type { MeshConnection } from './connection';
import { defaultLocalMesh, type LocalMesh } from './local';
import { MeshError, type MeshConfig } from './types';

export interface OpenMeshOptions {
  /** The in-process mesh to join when `backend` is 'local' (default: the process-wide one). */
  localMesh?: LocalMesh;
  /** NATS: keep retrying the first connection (as the reference device does) instead of failing at once. */
  waitForBroker?: boolean;
}

export async function openMesh(config: MeshConfig, opts: OpenMeshOptions = {}): Promise<MeshConnection> {
  if (config.backend === 'local') {
    return (opts.localMesh ?? defaultLocalMesh()).connect({
      tenant: config.tenant,
      discoveryMode: config.discoveryMode,
      requestTimeoutMs: config.requestTimeoutMs,
    });
  }
  if (config.backend === 'nats') {
    const { openNats } = await import('./nats');
    return openNats(config, { waitForBroker: opts.waitForBroker });
  }
  throw new MeshError('config', `unknown mesh backend '${String((config as { backend: unknown }).backend)}'`);
}
