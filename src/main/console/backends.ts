/**
 * What ConsoleHost needs from the mesh, the simulator and the driver, as narrow handles. `real-backends.ts` adapts
 * the subsystems' public surfaces to these; ConsoleHost itself never reaches into their internals.
 */
import type { DeviceRuntimeHandle, DeviceRuntimeOptions, MeshClient } from '../mesh';
import type { MeshSettings } from '../../shared/console-api';
import type { Logger } from '../log';
import type { ConsoleServiceFactory } from '../service';
import type { LatchStore } from '../driver';

export interface MeshHandle {
  readonly settings: MeshSettings;
  readonly client: MeshClient;
  /** A device runtime on the same mesh (the console's own operator_console device). */
  createRuntime(opts: DeviceRuntimeOptions): Promise<DeviceRuntimeHandle>;
  close(): Promise<void>;
}

export interface SimHandle {
  /** http://127.0.0.1:port */
  readonly url: string;
  readonly port: number;
  readonly mode: 'robot' | 'mockup';
  close(): Promise<void>;
}

export interface DriverHandle {
  readonly deviceId: string;
  /** Daemon link status in words ("connected", "lost: ECONNREFUSED"). */
  link(): string;
  onLinkChange?(cb: () => void): () => void;
  close(): Promise<void>;
}

export interface DriverStartOptions {
  mesh: MeshHandle;
  /** Daemon base URL (the simulator's, or http://host:port). */
  daemonUrl: string;
  deviceId: string;
  stateHz: number;
  media: boolean;
  logger: Logger;
  /** The console's latch record: the driver starts tripped from it and records every trip and reset in it. */
  latch?: { store: LatchStore; target: string };
}

export interface Backends {
  openMesh(settings: MeshSettings, logger: Logger): Promise<MeshHandle>;
  startSimulator(opts: { port?: number; mode: 'robot' | 'mockup'; media?: boolean; logger: Logger }): Promise<SimHandle>;
  startDriver(opts: DriverStartOptions): Promise<DriverHandle>;
  /** The plug-in services (mcp, panorama, runner) the console hosts; none when absent. */
  services?: ReadonlyArray<ConsoleServiceFactory>;
}
