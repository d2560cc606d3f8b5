/**
 * Optional mDNS advertisement of the simulator as `_reachy-mini._tcp` (docs/DAEMON.md §12), so the console's robot
 * discovery finds it like a real robot. Off by default (tests never multicast).
 */
import { createRequire } from 'node:module';
import type { Bonjour as BonjourClass } from 'bonjour-service';
import { createLogger } from '../log';

const log = createLogger('sim/mdns');

/** bonjour-service (mDNS) loads on first use: the commands that never browse or advertise do not pay for it. */
function bonjourClass(): typeof BonjourClass {
  return (createRequire(import.meta.url)('bonjour-service') as typeof import('bonjour-service')).Bonjour;
}

export interface Advertisement {
  stop(): void;
}

export function advertiseSimulator(o: { name: string; port: number; version: string; address?: string }): Advertisement {
  const bonjour = new (bonjourClass())({}, (err: Error) => log.warn(`mDNS error: ${err.message}`));
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
