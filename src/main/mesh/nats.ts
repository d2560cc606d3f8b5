/** NATS backend (filled in next). */
import type { MeshConnection } from './connection';
import { MeshError, type MeshConfig } from './types';

export async function openNats(config: MeshConfig): Promise<MeshConnection> {
  throw new MeshError('config', `NATS backend not available yet (${config.urls.join(',')})`);
}
