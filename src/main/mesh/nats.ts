/**
 * NATS backend (nats.js v3): JWT + nkey auth, tls:// with MESSAGING_TLS_* (hostname not checked, as the
 * reference), reconnect forever with status events, payload cap from the server's max_payload.
 */
import { connect } from '@nats-io/transport-node';
import {
  jwtAuthenticator,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
  type TlsOptions,
} from '@nats-io/nats-core';
import { createLogger, type Logger } from '../log';
import { describeMeshConfig, redactUrl, validateNatsConfig } from './config';
import {
  Listeners,
  oversizeBytes,
  payloadTooLargeMessage,
  type MeshConnection,
  type MeshMessage,
  type MeshSubscription,
  type SubscribeOptions,
} from './connection';
import { errorMessage } from './rpc';
import { MeshError, type ConnectionStatus, type DiscoveryMode, type MeshConfig } from './types';

const DEFAULT_MAX_PAYLOAD = 1_048_576;

function timeoutError(subject: string, timeoutMs: number): MeshError {
  return new MeshError('timeout', `Request to ${subject} timed out after ${(timeoutMs / 1000).toFixed(1)}s`, {
    subject,
    timeoutMs,
  });
}

function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && (err.name === name || err.constructor?.name === name);
}

/** nats.js errors → MeshError with the reference's wording. */
export function mapRequestError(err: unknown, subject: string, timeoutMs: number): MeshError {
  if (err instanceof MeshError) return err;
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const noResponders =
    (typeof (err as { isNoResponders?: () => boolean })?.isNoResponders === 'function' &&
      (err as { isNoResponders: () => boolean }).isNoResponders()) ||
    isNamed(err, 'NoRespondersError') ||
    isNamed(cause, 'NoRespondersError');
  if (noResponders) return new MeshError('no_responders', 'nats: no responders available for request', { subject });
  if (isNamed(err, 'TimeoutError') || isNamed(cause, 'TimeoutError')) return timeoutError(subject, timeoutMs);
  if (isNamed(err, 'ClosedConnectionError') || isNamed(err, 'DrainingConnectionError')) {
    return new MeshError('not_connected', `mesh connection is closed (${subject})`, { subject });
  }
  return new MeshError('not_connected', `request on ${subject} failed: ${errorMessage(err)}`, { subject });
}

class NatsMeshConnection implements MeshConnection {
  readonly backend = 'nats' as const;
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  readonly requestTimeoutMs: number;
  readonly description: string;
  private current: ConnectionStatus = 'connected';
  private readonly statusListeners = new Listeners<ConnectionStatus>();
  private readonly reconnectListeners = new Listeners<void>();
  private closing = false;

  constructor(
    private readonly nc: NatsConnection,
    config: MeshConfig,
    private readonly log: Logger,
  ) {
    this.tenant = config.tenant;
    this.discoveryMode = config.discoveryMode;
    this.requestTimeoutMs = config.requestTimeoutMs;
    this.description = `nats ${config.urls.map(redactUrl).join(',')}`;
    void this.watchStatus();
    void nc.closed().then((err) => {
      if (err && !this.closing) this.log.warn(`NATS connection closed: ${errorMessage(err)}`);
      this.setStatus('disconnected');
    });
  }

  private setStatus(s: ConnectionStatus): void {
    if (s === this.current) return;
    this.current = s;
    this.statusListeners.emit(s);
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        switch (s.type) {
          case 'disconnect':
            if (!this.closing) this.log.warn(`NATS link lost (${s.server}); reconnecting`);
            this.setStatus('reconnecting');
            break;
          case 'reconnecting':
            this.setStatus('reconnecting');
            break;
          case 'reconnect':
            this.log.info(`NATS reconnected (${s.server})`);
            this.setStatus('connected');
            this.reconnectListeners.emit();
            break;
          case 'error':
            this.log.warn(`NATS error: ${errorMessage(s.error)}`);
            break;
          default:
            break;
        }
      }
    } catch (err) {
      this.log.debug(`NATS status watcher ended: ${errorMessage(err)}`);
    }
  }

  maxPayload(): number {
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  publish(subject: string, data: Uint8Array | string): void {
    const max = this.maxPayload();
    const over = oversizeBytes(data, max);
    if (over) throw new MeshError('invalid_request', payloadTooLargeMessage(subject, over, max), { subject });
    try {
      this.nc.publish(subject, data);
    } catch (err) {
      throw mapPublishError(err, subject);
    }
  }

  subscribe(subject: string, handler: (msg: MeshMessage) => void, opts: SubscribeOptions = {}): MeshSubscription {
    try {
      const sub = this.nc.subscribe(subject, {
        queue: opts.queue,
        callback: (err, msg: Msg) => {
          if (err) {
            this.log.warn(`subscription ${subject}: ${errorMessage(err)}`);
            return;
          }
          handler(msg);
        },
      });
      return { unsubscribe: () => sub.unsubscribe() };
    } catch (err) {
      throw mapPublishError(err, subject);
    }
  }

  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<Uint8Array> {
    const max = this.maxPayload();
    const over = oversizeBytes(data, max);
    if (over) return Promise.reject(new MeshError('invalid_request', payloadTooLargeMessage(subject, over, max), { subject }));
    let pending: Promise<Msg>;
    try {
      pending = this.nc.request(subject, data, { timeout: timeoutMs });
    } catch (err) {
      return Promise.reject(mapRequestError(err, subject, timeoutMs));
    }
    return pending.then(
      (msg) => msg.data,
      (err: unknown) => {
        throw mapRequestError(err, subject, timeoutMs);
      },
    );
  }

  status(): ConnectionStatus {
    return this.current;
  }

  onStatus(cb: (status: ConnectionStatus) => void): () => void {
    return this.statusListeners.add(cb);
  }

  onReconnect(cb: () => void): () => void {
    return this.reconnectListeners.add(cb);
  }

  async flush(): Promise<void> {
    // While the broker is away a flush would wait for the reconnect; callers (stop/close) must not hang.
    if (this.nc.isClosed() || this.current !== 'connected') return;
    await withTimeout(this.nc.flush(), 2_000).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (!this.nc.isClosed()) {
        if (this.current === 'connected') await withTimeout(this.nc.drain(), 3_000);
        else await this.nc.close();
      }
    } catch {
      await this.nc.close().catch(() => undefined);
    }
    this.setStatus('disconnected');
    this.statusListeners.clear();
    this.reconnectListeners.clear();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function mapPublishError(err: unknown, subject: string): MeshError {
  if (isNamed(err, 'ClosedConnectionError') || isNamed(err, 'DrainingConnectionError')) {
    return new MeshError('not_connected', 'mesh connection is closed', { subject });
  }
  if (isNamed(err, 'InvalidSubjectError')) return new MeshError('invalid_request', `invalid subject '${subject}'`, { subject });
  return new MeshError('not_connected', `publish on ${subject} failed: ${errorMessage(err)}`, { subject });
}

export interface OpenNatsOptions {
  logger?: Logger;
  /** Client name shown by the server. */
  name?: string;
  /** Keep retrying the first connection forever (the reference device's behaviour). */
  waitForBroker?: boolean;
}

export async function openNats(config: MeshConfig, opts: OpenNatsOptions = {}): Promise<MeshConnection> {
  validateNatsConfig(config);
  const log = opts.logger ?? createLogger('mesh/nats');
  const useTls = config.urls.some((u) => u.toLowerCase().startsWith('tls://'));
  const servers = config.urls.map((u) => u.replace(/^(nats|tls):\/\//i, ''));
  const options: ConnectionOptions = {
    servers,
    name: opts.name ?? 'reachy-console',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    reconnectJitter: 500,
    pingInterval: 20_000,
    waitOnFirstConnect: opts.waitForBroker ?? false,
    // nats.js otherwise builds two Error objects (stack captured) for every request, to show the caller's stack on a
    // timeout: about half the client's CPU per invoke. Our MeshError names the subject and the device instead
    // (docs/ARCHITECTURE.md, "Invoke hot path").
    noAsyncTraces: true,
  };
  if (config.jwt && config.nkeySeed) {
    options.authenticator = jwtAuthenticator(config.jwt, new TextEncoder().encode(config.nkeySeed));
  }
  if (useTls || config.tls) {
    const tls: TlsOptions & { checkServerIdentity?: () => undefined } = {
      // Reference: check_hostname=False by default, certificate chain still verified.
      checkServerIdentity: () => undefined,
    };
    if (config.tls?.caFile) tls.caFile = config.tls.caFile;
    if (config.tls?.certFile) tls.certFile = config.tls.certFile;
    if (config.tls?.keyFile) tls.keyFile = config.tls.keyFile;
    options.tls = tls;
  }
  let nc: NatsConnection;
  try {
    nc = await connect(options);
  } catch (err) {
    const msg = errorMessage(err);
    const isAuth = /authorization|authentication|auth/i.test(msg);
    throw new MeshError(
      isAuth ? 'config' : 'not_connected',
      `cannot connect to NATS at ${config.urls.map(redactUrl).join(',')}: ${msg}`,
    );
  }
  log.info(`connected: ${describeMeshConfig(config)}, max_payload ${nc.info?.max_payload ?? '?'} bytes`);
  return new NatsMeshConnection(nc, config, log);
}
