/**
 * Public contracts of the Device Connect mesh. Implementations live beside this file; other subsystems import
 * only from `src/main/mesh` (index.ts), never from backend internals.
 */
import type { z } from 'zod';
import type {
  DeviceInfo,
  DeviceStatus,
  FleetSummary,
  JsonObject,
  JsonSchemaObject,
  Labels,
  MeshEvent,
} from '../../shared/wire';

// ---------------------------------------------------------------------------------------------------------------
// Declaring device functions once

export interface FunctionContext {
  /** `params._dc_meta.source_device` — caller-asserted, not authenticated (docs/PROTOCOL.md). */
  sourceDevice?: string;
  /** The whole `_dc_meta` as received (trace ids). */
  meta?: JsonObject;
}

/**
 * One declaration of a device function: the runtime validates params with `params` (a zod object; use
 * `.describe()` for argument descriptions, `.default()` for defaults), derives the wire schema from it, and calls
 * `handler` with the parsed value. A thrown Error becomes JSON-RPC -32000 "Error invoking <name>: <message>".
 * Unknown keys are rejected (as the reference's "unexpected keyword argument").
 */
export interface DeviceFunction<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  params: S;
  labels?: Labels | null;
  handler: (params: z.output<S>, ctx: FunctionContext) => unknown;
}

/** Same, for code that already has a JSON schema (no zod): params are passed through after a shape check. */
export interface JsonSchemaFunction {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
  labels?: Labels | null;
  handler: (params: JsonObject, ctx: FunctionContext) => unknown;
}

export interface EventDeclaration {
  name: string;
  description: string;
  /** zod object or JSON schema for the payload; null when undeclared. */
  payload?: z.ZodType | JsonSchemaObject | null;
  labels?: Labels | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration (docs/PROTOCOL.md)

export type DiscoveryMode = 'd2d' | 'infra';

export interface TlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface MeshConfig {
  backend: 'nats' | 'local';
  urls: string[];
  tenant: string;
  discoveryMode: DiscoveryMode;
  credentialsFile?: string;
  /** Parsed from the credentials file or NATS_JWT/NATS_NKEY_SEED; never logged, never sent to the renderer. */
  jwt?: string;
  nkeySeed?: string;
  tls?: TlsConfig;
  allowInsecure: boolean;
  /** Default request timeout for invoke (ms). */
  requestTimeoutMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors as values with codes

export type MeshErrorCode =
  | 'unknown_method' // JSON-RPC -32601
  | 'device_error' // JSON-RPC -32000 (handler failure, validation, lease refusal...)
  | 'rpc_error' // any other JSON-RPC error code
  | 'timeout'
  | 'no_responders'
  | 'not_connected'
  | 'invalid_request' // bad device id, params not an object, payload too large
  | 'config'; // bad env / credentials file

export interface MeshErrorDetails {
  deviceId?: string;
  fn?: string;
  subject?: string;
  timeoutMs?: number;
  rpcCode?: number;
}

export class MeshError extends Error {
  readonly code: MeshErrorCode;
  readonly details: MeshErrorDetails;
  constructor(code: MeshErrorCode, message: string, details: MeshErrorDetails = {}) {
    super(message);
    this.name = 'MeshError';
    this.code = code;
    this.details = details;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Agent side

export interface InvokeOptions {
  timeoutMs?: number;
  /** Sent as `_dc_meta.source_device`. */
  sourceDevice?: string;
  /** Who is calling, for invoke observers (recordings) only; never sent. Defaults to `sourceDevice`. */
  caller?: string;
}

export interface EventSubscribeOptions {
  /**
   * Also deliver messages that are not JSON (as `params: {}` with `malformed` set) instead of dropping them: for
   * subjects where any message must act, such as emergency_stop (fail safe).
   */
  includeMalformed?: boolean;
}

export type ConnectionStatus = 'connected' | 'reconnecting' | 'disconnected';

export interface MeshClient {
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  /** Resolves to the JSON-RPC `result`; rejects with MeshError. */
  invoke(deviceId: string, fn: string, params?: JsonObject, opts?: InvokeOptions): Promise<unknown>;
  /** `deviceId` / `eventName` may be '*'. Returns an unsubscribe function. */
  subscribe(deviceId: string, eventName: string, handler: (event: MeshEvent) => void, opts?: EventSubscribeOptions): () => void;
  listDevices(filter?: { deviceType?: string; location?: string }): Promise<DeviceInfo[]>;
  getDevice(deviceId: string): Promise<DeviceInfo | null>;
  describeFleet(): Promise<FleetSummary>;
  /** Fires when the set of known devices (or their online state) changes. */
  onDevicesChanged(cb: () => void): () => void;
  connectionStatus(): ConnectionStatus;
  onConnectionStatus(cb: (status: ConnectionStatus) => void): () => void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Edge side

export interface DeviceRuntimeOptions {
  deviceId: string;
  deviceType: string;
  /** Capabilities description (class docstring in the reference). */
  description: string;
  identity?: Omit<import('../../shared/wire').DeviceIdentity, 'device_type'>;
  labels?: Labels | null;
  location?: string;
  functions: ReadonlyArray<DeviceFunction | JsonSchemaFunction>;
  events?: ReadonlyArray<EventDeclaration>;
  /** Device ttl in seconds (default 15); heartbeat every max(1, ttl/3). */
  ttlS?: number;
  /** Called at registration / presence / heartbeat time; `ts` is filled in by the runtime. */
  status?: () => DeviceStatus;
}

export interface DeviceRuntimeHandle {
  readonly deviceId: string;
  start(): Promise<void>;
  /** Sends departure (D2D), stops heartbeats, unsubscribes. Idempotent. */
  stop(): Promise<void>;
  /** Publishes `{"jsonrpc":"2.0","method":name,"params":{...payload,event_id,ts}}` on `...event.<name>`. */
  emit(name: string, payload: JsonObject): void;
  /** Re-announces presence / pushes status soon after a change (e.g. availability). */
  statusChanged(): void;
}
