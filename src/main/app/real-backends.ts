/**
 * The Backends ConsoleHost uses in the product: the real mesh (local or NATS), the bundled simulator and the bundled
 * driver, through their public surfaces only.
 */
import { createLocalMesh, createMeshClient, DeviceRuntime, meshConfigFromEnv, openMesh, type LocalMesh, type MeshConfig, type MeshConnection } from '../mesh';
import type { MeshSettings } from '../../shared/console-api';
import type { Logger } from '../log';
import type { Backends, MeshHandle } from '../console';
import { startBundledDriver, startBundledSimulator } from './bundled';
import { CONSOLE_SERVICES } from './services';

const REQUEST_TIMEOUT_MS = 10_000;

export function meshConfigOf(settings: MeshSettings): MeshConfig {
  if (settings.kind === 'local') {
    return { backend: 'local', urls: [], tenant: 'default', discoveryMode: 'd2d', allowInsecure: true, requestTimeoutMs: REQUEST_TIMEOUT_MS };
  }
  // The mesh's own loader parses the credentials file (JWT/nkey; secrets stay in this process) and reads TLS env.
  return meshConfigFromEnv(
    { ...process.env, MESSAGING_BACKEND: undefined },
    {
      backend: 'nats',
      urls: settings.urls,
      tenant: settings.tenant,
      discoveryMode: settings.discoveryMode,
      credentialsFile: settings.credentialsFile,
      allowInsecure: settings.allowInsecure,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    },
  );
}

export interface RealMeshHandle extends MeshHandle {
  /** The connection the bundled driver joins (same mesh, same tenant). */
  readonly connection: MeshConnection;
}

export async function openRealMesh(settings: MeshSettings, logger: Logger, localMesh?: LocalMesh): Promise<RealMeshHandle> {
  // Each local connect gets its own in-process mesh (unless one is given), so a reconnect never sees old devices.
  const connection = await openMesh(meshConfigOf(settings), settings.kind === 'local' ? { localMesh: localMesh ?? createLocalMesh() } : {});
  const client = createMeshClient({ connection, logger, discoveryWaitMs: 1500 });
  const runtimes = new Set<DeviceRuntime>();
  return {
    settings,
    client,
    connection,
    async createRuntime(opts) {
      const rt = new DeviceRuntime({ ...opts, connection, logger: logger.child(opts.deviceId) });
      runtimes.add(rt);
      return rt;
    },
    async close() {
      for (const rt of runtimes) await rt.stop().catch(() => undefined);
      runtimes.clear();
      await client.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

/** `localMesh`: join this in-process mesh for `local` (tests put their own devices on it). */
export function realBackends(opts: { localMesh?: LocalMesh } = {}): Backends {
  return {
    openMesh: (settings, logger) => openRealMesh(settings, logger, opts.localMesh),
    startSimulator: startBundledSimulator,
    startDriver: startBundledDriver,
    services: CONSOLE_SERVICES,
  };
}
