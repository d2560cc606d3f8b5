/**
 * Small, bounded checks shared by `POST /api/validate` and `reachy-console doctor`. Each returns a Check and never
 * throws: a failure is a result with a fix hint, and every network wait has a timeout.
 */
import { errorMessage } from '../../shared/errors';
import type { Check } from '../../shared/robot-app';
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, createServer } from 'node:net';
import WebSocket from 'ws';
import { probeSignalling } from '../media';
import { openMesh } from '../mesh';
import type { MeshConfig } from '../mesh';
import { redactUrl } from '../mesh';
import type { DaemonTarget, TransportMode } from '../reachy';
import { DEFAULT_SIGNALLING_PORT, WEBRTC_PRODUCER_NAME } from '../../shared/reachy';
import type { CredentialsSummary } from './resolve';

/** ok: true ✓, false ✗, null: not applicable or unsupported (said in `detail`). */
export type { Check } from '../../shared/robot-app';


function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${(ms / 1000).toFixed(1)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; json: unknown; date: string | null }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, date: res.headers.get('date') };
}

const causeText = (e: unknown): string => {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  if ((e as Error).name === 'TimeoutError') return 'no answer (timeout)';
  return c?.code ?? c?.message ?? errorMessage(e);
};

export interface DaemonProbe {
  check: Check;
  status?: Record<string, unknown>;
  /** The daemon's clock (HTTP Date header) minus ours, in ms (1 s resolution), when it sent one. */
  skewMs?: number;
}

export async function probeDaemon(target: DaemonTarget, timeoutMs = 3000): Promise<DaemonProbe> {
  const label = 'daemon reachable';
  try {
    const t0 = Date.now();
    const r = await getJson(`${target.baseUrl}/api/daemon/status`, timeoutMs);
    const mid = (t0 + Date.now()) / 2;
    const skewMs = r.date && Number.isFinite(Date.parse(r.date)) ? Date.parse(r.date) - mid : undefined;
    if (r.status !== 200 || !r.json || typeof r.json !== 'object') {
      return { check: { id: 'daemon', label, ok: false, detail: `${target.baseUrl} answered HTTP ${r.status}, not a daemon status`, hint: 'is this the Reachy Mini daemon? check reachy_target (host:port, port 8000)' } };
    }
    const st = r.json as Record<string, unknown>;
    const version = typeof st.version === 'string' ? st.version : 'unknown version';
    const state = typeof st.state === 'string' ? st.state : '?';
    return {
      check: {
        id: 'daemon',
        label,
        // Reachable but not running (starting, stopped, error) cannot move the robot yet: worth a ✗ and a hint.
        ok: state === 'running',
        detail: `${target.baseUrl}: version ${version}, state ${state}${st.error ? `, error ${String(st.error)}` : ''}`,
        hint:
          state === 'running'
            ? undefined
            : state === 'starting'
              ? 'the daemon is still starting: wait a few seconds and check again'
              : 'start the daemon (robot dashboard, or POST /api/daemon/start?wake_up=true)',
      },
      status: st,
      skewMs,
    };
  } catch (e) {
    return {
      check: {
        id: 'daemon',
        label,
        ok: false,
        detail: `${target.baseUrl}: ${causeText(e)}`,
        hint: 'start the robot (its daemon listens on :8000) or fix reachy_target; on the robot use 127.0.0.1:8000',
      },
    };
  }
}

export function probeWsSdk(target: DaemonTarget, timeoutMs = 3000): Promise<Check> {
  const url = `${target.baseUrl.replace(/^http/, 'ws')}/ws/sdk`;
  const label = 'realtime link /ws/sdk';
  return new Promise((resolve) => {
    let done = false;
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const finish = (c: Check): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(c);
    };
    const timer = setTimeout(
      () => finish({ id: 'ws_sdk', label, ok: false, detail: `${url}: no joint stream within ${timeoutMs / 1000} s`, hint: 'the daemon may be sleeping or busy; wake it or use transport_mode http' }),
      timeoutMs,
    );
    ws.on('message', () => finish({ id: 'ws_sdk', label, ok: true, detail: `${url}: streaming` }));
    ws.on('error', (e) =>
      finish({ id: 'ws_sdk', label, ok: false, detail: `${url}: ${errorMessage(e)}`, hint: 'this daemon has no /ws/sdk (older version?): use transport_mode http or update the daemon' }),
    );
  });
}

/** Whether `mode` can be used with this daemon (websocket needs /ws/sdk). */
export async function probeTransport(target: DaemonTarget, mode: TransportMode, daemonOk: boolean, timeoutMs = 3000): Promise<Check> {
  const label = `transport mode ${mode}`;
  if (target.kind === 'sim') return { id: 'transport', label, ok: true, detail: 'the in-process simulator serves http and /ws/sdk' };
  if (!daemonOk) return { id: 'transport', label, ok: false, detail: 'cannot check: the daemon does not answer', hint: 'fix the daemon check first' };
  if (mode === 'http') return { id: 'transport', label, ok: true, detail: 'REST only (realtime motion functions answer unsupported)' };
  const ws = await probeWsSdk(target, timeoutMs);
  if (ws.ok) return { id: 'transport', label, ok: true, detail: mode === 'auto' ? 'auto will use websocket (/ws/sdk answers)' : '/ws/sdk answers' };
  if (mode === 'auto') return { id: 'transport', label, ok: true, detail: `auto will fall back to http (${ws.detail})` };
  return { ...ws, id: 'transport', label };
}

export async function probeMotors(target: DaemonTarget, timeoutMs = 3000): Promise<Check> {
  const label = 'motor mode';
  try {
    const r = await getJson(`${target.baseUrl}/api/motors/status`, timeoutMs);
    const mode = (r.json as { mode?: unknown } | null)?.mode;
    if (r.status !== 200 || typeof mode !== 'string') return { id: 'motors', label, ok: false, detail: `HTTP ${r.status}`, hint: 'the daemon backend is not running: start it from the dashboard' };
    return {
      id: 'motors',
      label,
      ok: mode === 'enabled',
      detail: mode,
      hint: mode === 'enabled' ? undefined : 'motors are not enabled: the driver cannot move the head (wake_up or set_motor_mode enabled)',
    };
  } catch (e) {
    return { id: 'motors', label, ok: false, detail: causeText(e), hint: 'the daemon does not answer' };
  }
}

export async function probeMedia(target: DaemonTarget, timeoutMs = 3000): Promise<Check> {
  const label = 'media (camera, microphone)';
  try {
    const r = await getJson(`${target.baseUrl}/api/media/status`, timeoutMs);
    const st = r.json as { available?: unknown; released?: unknown; no_media?: unknown } | null;
    if (r.status !== 200 || !st) return { id: 'media', label, ok: false, detail: `HTTP ${r.status}`, hint: 'this daemon has no media API' };
    if (st.no_media === true) return { id: 'media', label, ok: false, detail: 'the daemon runs without media (--no-media)', hint: 'restart the daemon with media, or run the driver with no_media' };
    if (st.released === true) return { id: 'media', label, ok: false, detail: 'media released by another app', hint: 'POST /api/media/acquire or stop the app holding the camera' };
    return { id: 'media', label, ok: st.available !== false, detail: st.available === false ? 'not available' : 'available' };
  } catch (e) {
    return { id: 'media', label, ok: false, detail: causeText(e), hint: 'the daemon does not answer' };
  }
}

export async function probeWebrtc(target: DaemonTarget, timeoutMs = 3000): Promise<Check> {
  const label = `WebRTC signalling (${DEFAULT_SIGNALLING_PORT})`;
  let url = `ws://${target.host.includes(':') ? `[${target.host}]` : target.host}:${DEFAULT_SIGNALLING_PORT}`;
  // The simulator says where its signalling server is (any port); the robot's is always :8443.
  try {
    const r = await getJson(`${target.baseUrl}/api/media/webrtc`, timeoutMs);
    const su = (r.json as { signalling_url?: unknown } | null)?.signalling_url;
    if (r.status === 200 && typeof su === 'string' && su) url = su;
  } catch {
    // a real daemon has no such route
  }
  const p = await probeSignalling(url, WEBRTC_PRODUCER_NAME, timeoutMs);
  if (!p.ok) return { id: 'webrtc', label, ok: false, detail: `${url}: ${p.error ?? 'no answer'}`, hint: 'the robot streams video over WebRTC on :8443; check the daemon has media and no firewall blocks it' };
  return {
    id: 'webrtc',
    label,
    ok: p.producer_found,
    detail: `${url}: ${p.producers.length} producer(s)${p.producer_found ? `, "${WEBRTC_PRODUCER_NAME}" listed` : ''}`,
    hint: p.producer_found ? undefined : `no "${WEBRTC_PRODUCER_NAME}" producer: the camera is not streaming (media released?)`,
  };
}

export async function probeMdns(host: string, timeoutMs = 3000): Promise<Check> {
  const label = 'name resolution (mDNS)';
  if (isIP(host.replace(/^\[|\]$/g, ''))) return { id: 'mdns', label, ok: true, detail: `${host} is an address: no lookup needed` };
  try {
    const r = await withTimeout(lookup(host), timeoutMs, `lookup ${host}`);
    return { id: 'mdns', label, ok: true, detail: `${host} → ${r.address}` };
  } catch (e) {
    return {
      id: 'mdns',
      label,
      ok: false,
      detail: `${host}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`,
      hint: host.endsWith('.local') ? 'install avahi-daemon and libnss-mdns, or use the robot IP address in reachy_target' : 'check the host name, or use the IP address',
    };
  }
}

/** Reads the broker's INFO line: reachable, and which server it is. */
export function probeBrokerTcp(url: string, timeoutMs = 3000): Promise<Check> {
  const label = 'broker reachable';
  const shown = redactUrl(url);
  const m = /^(?:[a-z]+:\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/i.exec(url.trim());
  const host = (m?.[1] ?? '').replace(/^\[|\]$/g, '');
  const port = Number(m?.[2] ?? 4222);
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    const sock = tcpConnect({ host, port });
    const finish = (c: Check): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(c);
    };
    const timer = setTimeout(() => finish({ id: 'broker', label, ok: false, detail: `${shown}: no answer within ${timeoutMs / 1000} s`, hint: 'check the broker address and that a firewall allows the port' }), timeoutMs);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const line = buf.split('\r\n')[0];
      if (!buf.includes('\r\n')) return;
      if (!line.startsWith('INFO ')) return finish({ id: 'broker', label, ok: false, detail: `${shown}: not a NATS server`, hint: 'messaging_urls must point at a NATS server (nats://host:4222)' });
      let v = '?';
      try {
        v = String((JSON.parse(line.slice(5)) as { version?: unknown }).version ?? '?');
      } catch {
        // keep '?'
      }
      finish({ id: 'broker', label, ok: true, detail: `${shown}: nats-server ${v}` });
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish({ id: 'broker', label, ok: false, detail: `${shown}: ${e.code ?? e.message}`, hint: e.code === 'ENOTFOUND' ? 'the broker host name does not resolve' : 'start the broker, or fix messaging_urls' }),
    );
  });
}

/** A real connect with the configured credentials: the broker accepts them (or says why not). */
export async function probeBrokerAuth(config: MeshConfig, timeoutMs = 5000): Promise<Check> {
  const label = 'broker accepts the credentials';
  const shown = config.urls.map(redactUrl).join(',');
  const pending = openMesh(config);
  try {
    const conn = await withTimeout(pending, timeoutMs, 'connect');
    await conn.close().catch(() => undefined);
    const how = config.jwt ? 'JWT + nkey' : 'no credentials (allow_insecure)';
    return { id: 'broker_auth', label, ok: true, detail: `${shown}: connected with ${how}` };
  } catch (e) {
    // A connect that finishes after the timeout must still be closed.
    pending.then((c) => c.close().catch(() => undefined), () => undefined);
    const m = errorMessage(e);
    const auth = /authori[sz]ation|authentication|credentials/i.test(m);
    return {
      id: 'broker_auth',
      label,
      ok: false,
      detail: m,
      hint: auth ? 'the broker refused these credentials: download fresh ones from the portal and upload them' : 'the broker is not reachable: check messaging_urls and the network',
    };
  }
}

export function credentialsCheck(c: CredentialsSummary, required: boolean): Check {
  const label = 'credentials';
  if (!c.present) {
    if (c.error) return { id: 'credentials', label, ok: false, detail: c.error, hint: 'upload the credentials file again (.json from the portal or an nsc .creds)' };
    return required
      ? { id: 'credentials', label, ok: false, detail: 'none configured', hint: 'upload a credentials file, or allow insecure for a development broker' }
      : { id: 'credentials', label, ok: null, detail: 'none (insecure development broker allowed)' };
  }
  const exp = c.expires ? `expires ${c.expires}` : 'no expiry';
  if (c.expired) return { id: 'credentials', label, ok: false, detail: `${c.file}: expired ${c.expires}`, hint: 'download fresh credentials from the portal and upload them' };
  return { id: 'credentials', label, ok: true, detail: `${c.file}: valid, ${exp}` };
}

/** Is a local TCP port free, ours (answers `health`), or someone else's? */
export async function probePort(port: number, label: string, isOurs: () => Promise<boolean>): Promise<Check> {
  const free = await new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
  if (free) return { id: `port_${port}`, label, ok: true, detail: `port ${port} free` };
  if (await isOurs().catch(() => false)) return { id: `port_${port}`, label, ok: true, detail: `port ${port} in use by reachy-console app` };
  return { id: `port_${port}`, label, ok: false, detail: `port ${port} in use by another program`, hint: `find it with \`ss -ltnp 'sport = :${port}'\`, stop it or start the app with --port` };
}
