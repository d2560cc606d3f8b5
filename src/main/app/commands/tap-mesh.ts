/**
 * The mesh a watching command (record, foxglove) taps: with `--sim`, the in-process simulator + driver stack (every
 * call passes this process, so invokes are observed); otherwise the configured NATS mesh, waiting for the broker
 * (invokes of other processes are seen on the wire through `connection`).
 */
import type { Logger } from '../../log';
import type { MeshClient, MeshConnection } from '../../mesh';
import { DEFAULT_DEVICE_ID } from '../../../shared/reachy';

export interface TapMesh {
  mesh: MeshClient;
  /** Set for a broker connection (watch the wire); absent in-process. */
  connection?: MeshConnection;
  close(): Promise<void>;
}

/** Null (after logging why) when no broker is configured and `--sim` was not asked. */
export async function openTapMesh(sim: boolean, devices: string[] | 'all', logger: Logger): Promise<TapMesh | null> {
  if (sim) {
    const { startSimStack } = await import('../sim-stack');
    const stack = await startSimStack({ deviceId: devices === 'all' ? DEFAULT_DEVICE_ID : devices[0], logger });
    return { mesh: stack.mesh, close: () => stack.close() };
  }
  const m = await import('../../mesh');
  const config = m.meshConfigFromEnv(process.env);
  if (config.backend !== 'nats') {
    logger.error('no broker configured: set NATS_URL (or MESSAGING_URLS / MESSAGING_CREDENTIALS_FILE), or use --sim');
    return null;
  }
  logger.info(`mesh config: ${m.describeMeshConfig(config)}`);
  const connection = await m.openMesh(config, { waitForBroker: true });
  const mesh = m.createMeshClient({ connection, ownsConnection: true, logger: logger.child('mesh') });
  return { mesh, connection, close: () => mesh.close() };
}
