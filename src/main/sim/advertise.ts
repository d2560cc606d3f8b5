/**
 * Optional mDNS advertisement of the simulator as `_reachy-mini._tcp` (docs/DAEMON.md §12), so the console's robot
 * discovery finds it like a real robot. Off by default (tests never multicast).
 */
import { Bonjour } from 'bonjour-service';
import { createLogger } from '../log';

const log = createLogger('sim/mdns');

export interface Advertisement {
  stop(): void;
}

export function advertiseSimulator(o: { name: string; port: number; version: string; address?: string }): Advertisement {
  const bonjour = new Bonjour({}, (err: Error) => log.warn(`mDNS error: ${err.message}`));
  bonjour.publish({
    name: o.name,
    type: 'reachy-mini',
    protocol: 'tcp',
    port: o.port,
    probe: false,
    txt: {
      version: o.version,
      robot_name: o.name,
      ws_path: '/ws/sdk',
      // The daemon advertises its address here; a loopback-bound simulator must be reached on loopback.
      ...(o.address ? { address: o.address } : {}),
      model: 'Reachy Mini Simulator',
      manufacturer: 'Pollen Robotics',
      caps: 'camera,mic,speaker,motion',
      api: 'rest+ws',
    },
  });
  log.info(`advertising ${o.name}._reachy-mini._tcp on port ${o.port}`);
  return {
    stop() {
      bonjour.unpublishAll(() => bonjour.destroy());
    },
  };
}
