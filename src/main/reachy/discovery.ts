/**
 * Robot discovery for the console's connect dialog: browses `_reachy-mini._tcp` over mDNS (docs/DAEMON.md §12).
 */
import { createRequire } from 'node:module';
import type { Bonjour as BonjourClass, Service } from 'bonjour-service';
import { createLogger } from '../log';
import { makeTarget } from './target';
import type { DaemonTarget } from './types';

const log = createLogger('reachy/mdns');

/** bonjour-service (mDNS) loads on first use: the commands that never browse or advertise do not pay for it. */
function bonjourClass(): typeof BonjourClass {
  return (createRequire(import.meta.url)('bonjour-service') as typeof import('bonjour-service')).Bonjour;
}

export interface DiscoveredRobot {
  /** Instance name (the robot name). */
  name: string;
  /** Host name advertised (e.g. reachy-mini.local). */
  hostName: string;
  addresses: string[];
  port: number;
  txt: Record<string, string>;
  /** Ready to pass to createDaemonClient (TXT `address`, else the first IPv4 address, else the host name). */
  target: DaemonTarget;
}

function toRobot(s: Service): DiscoveredRobot {
  const addresses = s.addresses ?? [];
  const v4 = addresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  const txt: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.txt ?? {}) as Record<string, unknown>)) txt[k] = String(v);
  // TXT `address` is what the daemon says to use (docs/DAEMON.md §12); else the first IPv4 record, else the host name.
  const host = txt.address || v4 || s.host;
  return { name: s.name, hostName: s.host, addresses, port: s.port, txt, target: makeTarget('host', host, s.port) };
}

export interface RobotBrowser {
  robots(): DiscoveredRobot[];
  stop(): void;
}

/** Live browse; `onChange` fires whenever a robot appears or leaves. */
export function browseRobots(onChange?: (robots: DiscoveredRobot[]) => void): RobotBrowser {
  const bonjour = new (bonjourClass())({}, (err: Error) => log.warn(`mDNS error: ${err.message}`));
  const found = new Map<string, DiscoveredRobot>();
  const browser = bonjour.find({ type: 'reachy-mini', protocol: 'tcp' });
  const emit = (): void => onChange?.([...found.values()]);
  browser.on('up', (s: Service) => {
    found.set(s.fqdn, toRobot(s));
    emit();
  });
  browser.on('down', (s: Service) => {
    found.delete(s.fqdn);
    emit();
  });
  return {
    robots: () => [...found.values()],
    stop() {
      browser.stop();
      bonjour.destroy();
    },
  };
}

/** Browses for `timeoutMs` and returns what answered. */
export function discoverRobots(timeoutMs = 2000): Promise<DiscoveredRobot[]> {
  return new Promise((resolve) => {
    const b = browseRobots();
    setTimeout(() => {
      const r = b.robots();
      b.stop();
      resolve(r);
    }, timeoutMs);
  });
}

/**
 * Address of a `.local` host name from the `_reachy-mini._tcp` adverts (robots advertise `reachy-mini.local`):
 * TXT `address`, else the first IPv4 record. Null when nothing answers within `timeoutMs`.
 */
export function resolveLocalName(hostName: string, timeoutMs = 2000): Promise<string | null> {
  // Compare without the trailing dot and `.local` (adverts spell the host either way).
  const bare = (h: string): string => h.toLowerCase().replace(/\.$/, '').replace(/\.local$/, '');
  const want = bare(hostName);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      b.stop();
      resolve(v);
    };
    const b = browseRobots((robots) => {
      const r = robots.find((x) => bare(x.hostName) === want || bare(x.name) === want);
      if (r) finish(r.target.host);
    });
    const timer = setTimeout(() => finish(null), timeoutMs);
  });
}
