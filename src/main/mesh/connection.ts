/**
 * The transport seen by DeviceRuntime and MeshClient: core-NATS semantics (subjects with `*`/`>` wildcards,
 * publish, subscribe with optional queue group, request/reply with "no responders"). Implemented by the NATS
 * backend (nats.ts) and the in-process backend (local.ts), so everything above runs unchanged on either.
 */
import type { ConnectionStatus, DiscoveryMode } from './types';

export interface MeshMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly reply?: string;
}

export interface MeshSubscription {
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
}

export interface MeshConnection {
  readonly backend: 'nats' | 'local';
  /** Defaults for runtimes/clients built on this connection (from MeshConfig). */
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  readonly requestTimeoutMs: number;
  /** Where we are connected, for logs and the UI (never contains secrets). */
  readonly description: string;
  /** Largest payload the server accepts, bytes. */
  maxPayload(): number;
  /** Throws MeshError('invalid_request') when over maxPayload, MeshError('not_connected') when closed. */
  publish(subject: string, data: Uint8Array | string): void;
  subscribe(subject: string, handler: (msg: MeshMessage) => void, opts?: SubscribeOptions): MeshSubscription;
  /** Rejects with MeshError 'timeout' | 'no_responders' | 'not_connected' | 'invalid_request'. */
  request(subject: string, data: Uint8Array | string, timeoutMs: number): Promise<Uint8Array>;
  status(): ConnectionStatus;
  onStatus(cb: (status: ConnectionStatus) => void): () => void;
  /** Fires after the link came back (subscriptions are already restored). */
  onReconnect(cb: () => void): () => void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function bytesToString(data: Uint8Array): string {
  return decoder.decode(data);
}

/** Byte size of `data` when it is over `max`, else 0 (skips the UTF-8 count for strings that surely fit). */
export function oversizeBytes(data: Uint8Array | string, max: number): number {
  if (typeof data !== 'string') return data.byteLength > max ? data.byteLength : 0;
  if (data.length * 3 <= max) return 0;
  const n = Buffer.byteLength(data);
  return n > max ? n : 0;
}

export function payloadTooLargeMessage(subject: string, bytes: number, max: number): string {
  return `payload of ${bytes} bytes for ${subject} exceeds the server's max_payload of ${max} bytes`;
}

/** Simple listener set used by both backends. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(cb: (value: T) => void): () => void {
    this.set.add(cb);
    return () => {
      this.set.delete(cb);
    };
  }
  emit(value: T): void {
    for (const cb of [...this.set]) {
      try {
        cb(value);
      } catch {
        // A listener's bug must not break the transport.
      }
    }
  }
  clear(): void {
    this.set.clear();
  }
}
