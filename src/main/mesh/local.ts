/**
 * In-process backend: a tiny core-NATS look-alike (same subjects, wildcards, queue groups, request/reply and
 * "no responders"), so the whole invoke path runs without a broker (`mcp --sim`, the console, tests).
 * Deliveries are asynchronous (microtasks), as over a socket, so handlers never re-enter their caller.
 */
import {
  Listeners,
  oversizeBytes,
  payloadTooLargeMessage,
  toBytes,
  type MeshConnection,
  type MeshMessage,
  type MeshSubscription,
  type SubscribeOptions,
} from './connection';
import { MeshError, type ConnectionStatus, type DiscoveryMode } from './types';

/** Same default as nats-server, so payload-cap behaviour matches on both backends. */
export const LOCAL_MAX_PAYLOAD = 1_048_576;

interface LocalSub {
  readonly id: number;
  readonly subject: string;
  readonly tokens: string[] | null; // null = exact subject (fast path)
  readonly queue?: string;
  readonly handler: (msg: MeshMessage) => void;
  readonly owner: LocalConnection;
}

export function subjectMatches(patternTokens: string[], subject: string): boolean {
  const tokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i++) {
    const p = patternTokens[i];
    if (p === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (p !== '*' && p !== tokens[i]) return false;
  }
  return tokens.length === patternTokens.length;
}

function validSubject(subject: string, allowWildcards: boolean): boolean {
  if (!subject || /\s/.test(subject)) return false;
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '') return false;
    if (t === '>' && (!allowWildcards || i !== tokens.length - 1)) return false;
    if (t === '*' && !allowWildcards) return false;
  }
  return true;
}

/** The in-process "broker". Connections from the same LocalMesh see each other. */
export class LocalBus {
  private nextId = 1;
  private readonly exact = new Map<string, Set<LocalSub>>();
  private readonly wild = new Set<LocalSub>();

  add(sub: Omit<LocalSub, 'id' | 'tokens'>): LocalSub {
    const isWild = sub.subject.split('.').some((t) => t === '*' || t === '>');
    const full: LocalSub = { ...sub, id: this.nextId++, tokens: isWild ? sub.subject.split('.') : null };
    if (isWild) this.wild.add(full);
    else {
      let set = this.exact.get(full.subject);
      if (!set) this.exact.set(full.subject, (set = new Set()));
      set.add(full);
    }
    return full;
  }

  remove(sub: LocalSub): void {
    if (sub.tokens) this.wild.delete(sub);
    else {
      const set = this.exact.get(sub.subject);
      if (set) {
        set.delete(sub);
        if (set.size === 0) this.exact.delete(sub.subject);
      }
    }
  }

  /** Returns how many subscribers will get the message. */
  deliver(subject: string, data: Uint8Array, reply?: string): number {
    const targets: LocalSub[] = [];
    const groups = new Map<string, LocalSub[]>();
    const consider = (s: LocalSub): void => {
      if (s.queue) {
        let g = groups.get(s.queue);
        if (!g) groups.set(s.queue, (g = []));
        g.push(s);
      } else targets.push(s);
    };
    const set = this.exact.get(subject);
    if (set) for (const s of set) consider(s);
    if (this.wild.size) for (const s of this.wild) if (s.tokens && subjectMatches(s.tokens, subject)) consider(s);
    for (const g of groups.values()) targets.push(g[Math.floor(Math.random() * g.length)]);
    if (targets.length === 0) return 0;
    const msg: MeshMessage = reply === undefined ? { subject, data } : { subject, data, reply };
    queueMicrotask(() => {
      for (const s of targets) {
        if (!s.owner.isSubscribed(s)) continue;
        try {
          s.handler(msg);
        } catch {
          // A subscriber's bug must not break delivery to the others.
        }
      }
    });
    return targets.length;
  }
}

export interface LocalConnectOptions {
  tenant?: string;
  discoveryMode?: DiscoveryMode;
  requestTimeoutMs?: number;
}

let connCounter = 0;

export class LocalConnection implements MeshConnection {
  readonly backend = 'local' as const;
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  readonly requestTimeoutMs: number;
  readonly description = 'local (in-process)';
  private readonly subs = new Set<LocalSub>();
  private closed = false;
  private readonly statusListeners = new Listeners<ConnectionStatus>();
  private readonly reconnectListeners = new Listeners<void>();
  private readonly inboxPrefix: string;
  private inboxSub: LocalSub | null = null;
  private readonly pending = new Map<string, { done: (data: Uint8Array) => void; fail: (err: MeshError) => void }>();
  private nextReq = 1;

  constructor(
    private readonly bus: LocalBus,
    opts: LocalConnectOptions = {},
  ) {
    this.tenant = opts.tenant ?? 'default';
    this.discoveryMode = opts.discoveryMode ?? 'd2d';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.inboxPrefix = `_INBOX.local${++connCounter}${Math.random().toString(36).slice(2, 8)}`;
  }

  isSubscribed(sub: LocalSub): boolean {
    return this.subs.has(sub);
  }

  maxPayload(): number {
    return LOCAL_MAX_PAYLOAD;
  }

  private ensureOpen(): void {
    if (this.closed) throw new MeshError('not_connected', 'mesh connection is closed');
  }

  publish(subject: string, data: Uint8Array | string): void {
    this.publishInternal(subject, data);
  }

  private publishInternal(subject: string, data: Uint8Array | string, reply?: string): number {
    this.ensureOpen();
    if (!validSubject(subject, false)) throw new MeshError('invalid_request', `invalid subject '${subject}'`, { subject });
    const over = oversizeBytes(data, LOCAL_MAX_PAYLOAD);
    if (over) throw new MeshError('invalid_request', payloadTooLargeMessage(subject, over, LOCAL_MAX_PAYLOAD), { subject });
    return this.bus.deliver(subject, toBytes(data), reply);
  }

  subscribe(subject: string, handler: (msg: MeshMessage) => void, opts: SubscribeOptions = {}): MeshSubscription {
    this.ensureOpen();
    if (!validSubject(subject, true)) throw new MeshError('invalid_request', `invalid subject '${subject}'`, { subject });
    const sub = this.bus.add({ subject, queue: opts.queue, handler, owner: this });
    this.subs.add(sub);
    return {
      unsubscribe: () => {
        if (this.subs.delete(sub)) this.bus.remove(sub);
      },
    };
  }

  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      if (!this.inboxSub && !this.closed) {
        this.inboxSub = this.bus.add({
          subject: `${this.inboxPrefix}.*`,
          handler: (msg) => {
            const token = msg.subject.slice(this.inboxPrefix.length + 1);
            this.pending.get(token)?.done(msg.data);
          },
          owner: this,
        });
        this.subs.add(this.inboxSub);
      }
      const token = String(this.nextReq++);
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(
          new MeshError('timeout', `Request to ${subject} timed out after ${(timeoutMs / 1000).toFixed(1)}s`, {
            subject,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.pending.delete(token);
      };
      this.pending.set(token, {
        done: (reply) => {
          settle();
          resolve(reply);
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      });
      let delivered: number;
      try {
        delivered = this.publishInternal(subject, data, `${this.inboxPrefix}.${token}`);
      } catch (err) {
        settle();
        reject(err);
        return;
      }
      if (delivered === 0) {
        settle();
        reject(new MeshError('no_responders', 'nats: no responders available for request', { subject }));
      }
    });
  }

  status(): ConnectionStatus {
    return this.closed ? 'disconnected' : 'connected';
  }

  onStatus(cb: (status: ConnectionStatus) => void): () => void {
    return this.statusListeners.add(cb);
  }

  onReconnect(cb: () => void): () => void {
    return this.reconnectListeners.add(cb);
  }

  async flush(): Promise<void> {
    // Let queued microtask deliveries run.
    await new Promise<void>((r) => setImmediate(r));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs) this.bus.remove(s);
    this.subs.clear();
    this.inboxSub = null;
    for (const p of [...this.pending.values()]) p.fail(new MeshError('not_connected', 'mesh connection closed'));
    this.statusListeners.emit('disconnected');
    this.statusListeners.clear();
    this.reconnectListeners.clear();
  }
}

export interface LocalMesh {
  readonly bus: LocalBus;
  /** A new connection to this in-process mesh; connections of one LocalMesh see each other. */
  connect(opts?: LocalConnectOptions): LocalConnection;
}

export function createLocalMesh(): LocalMesh {
  const bus = new LocalBus();
  return { bus, connect: (opts) => new LocalConnection(bus, opts) };
}

let defaultMesh: LocalMesh | null = null;

/** The process-wide local mesh used by `openMesh({backend:'local'})`. */
export function defaultLocalMesh(): LocalMesh {
  if (!defaultMesh) defaultMesh = createLocalMesh();
  return defaultMesh;
}
