/**
 * Where the daemon is (docs/DAEMON.md): `--host reachy-mini.local` (mDNS name, port 8000), `--target host[:port]`,
 * `--sim` / `--target sim`, and the env equivalents REACHY_TARGET, REACHY_HOST, REACHY_SIM=true. Flags win over
 * the environment. `sim` is returned unresolved (port 0); the caller starts the simulator and calls
 * `targetForSimulator` with its address.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { DEFAULT_DAEMON_PORT } from '../../shared/reachy';
import type { DaemonTarget } from './types';

export interface TargetInput {
  host?: string;
  target?: string;
  sim?: boolean;
  env?: Record<string, string | undefined>;
  /** What to use when nothing is configured (default: the local daemon, localhost:8000). */
  fallback?: 'sim' | 'localhost';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['', '0', 'false', 'no', 'off']);
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:%-]+$/, 'letters, digits, dots, dashes (or an IPv6 address in brackets)');
const port = z.coerce.number().int().min(1).max(65535);

export function makeTarget(kind: DaemonTarget['kind'], host: string, p: number): DaemonTarget {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { kind, host, port: p, baseUrl: `http://${urlHost}:${p}` };
}

export const SIM_TARGET: DaemonTarget = { kind: 'sim', host: '127.0.0.1', port: 0, baseUrl: 'http://127.0.0.1:0' };

/** A resolved `sim` target for a running simulator. */
export function targetForSimulator(sim: { host: string; port: number }): DaemonTarget {
  return makeTarget('sim', sim.host, sim.port);
}

function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new UsageError(`${name}=${raw} is not a boolean (allowed: true, false, 1, 0, yes, no)`);
}

/** Parses `host[:port]`, `[v6]:port`, `http://host:port` or `sim`. */
export function parseTargetString(raw: string, field = '--target'): DaemonTarget {
  const s = raw.trim();
  if (s.toLowerCase() === 'sim') return SIM_TARGET;
  let host: string;
  let portText: string | undefined;
  const noScheme = s.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(noScheme);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if ((noScheme.match(/:/g) ?? []).length === 1) {
    [host, portText] = noScheme.split(':');
  } else {
    host = noScheme;
  }
  const h = hostName.safeParse(host);
  if (!h.success) throw new UsageError(`${field}=${raw}: host must be a host name or address (${h.error.issues[0].message})`);
  let p = DEFAULT_DAEMON_PORT;
  if (portText !== undefined) {
    const r = port.safeParse(portText);
    if (!r.success) throw new UsageError(`${field}=${raw}: port must be an integer in [1, 65535]`);
    p = r.data;
  }
  return makeTarget('host', h.data, p);
}

export function resolveTarget(input: TargetInput = {}): DaemonTarget {
  const env = input.env ?? process.env;
  if (input.sim) return SIM_TARGET;
  if (input.target !== undefined) return parseTargetString(input.target, '--target');
  if (input.host !== undefined) return parseTargetString(input.host, '--host');
  if (env.REACHY_SIM !== undefined && parseBool('REACHY_SIM', env.REACHY_SIM)) return SIM_TARGET;
  if (env.REACHY_TARGET) return parseTargetString(env.REACHY_TARGET, 'REACHY_TARGET');
  if (env.REACHY_HOST) return parseTargetString(env.REACHY_HOST, 'REACHY_HOST');
  return input.fallback === 'sim' ? SIM_TARGET : makeTarget('host', 'localhost', DEFAULT_DAEMON_PORT);
}

/** REACHY_TRANSPORT_MODE (auto | websocket | http), default auto. */
export function transportModeFromEnv(env: Record<string, string | undefined> = process.env): 'auto' | 'websocket' | 'http' {
  const raw = (env.REACHY_TRANSPORT_MODE ?? 'auto').trim().toLowerCase();
  if (raw === 'auto' || raw === 'websocket' || raw === 'http') return raw;
  throw new UsageError(`REACHY_TRANSPORT_MODE=${raw} is not allowed (allowed: auto, websocket, http)`);
}
