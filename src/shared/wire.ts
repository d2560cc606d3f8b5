/**
 * Device Connect wire types (docs/PROTOCOL.md).
 * Shapes only; no Node, DOM or Electron imports. Field names are the wire's (snake_case).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: unknown };

export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, JsonObject>;
  /** Always present, even when empty (docs/PROTOCOL.md). */
  required: string[];
}

export type Labels = Record<string, string | string[]>;

export interface FunctionDef {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
  labels: Labels | null;
  tags: string[];
}

export interface EventDef {
  name: string;
  description: string;
  payload_schema: JsonSchemaObject | null;
  labels: Labels | null;
  tags: string[];
}

export interface DeviceCapabilities {
  description: string;
  functions: FunctionDef[];
  events: EventDef[];
  labels: Labels | null;
}

export interface DeviceIdentity {
  device_type: string;
  manufacturer?: string;
  model?: string;
  serial_number?: string;
  firmware_version?: string;
  arch?: string;
  description?: string;
  [extra: string]: unknown;
}

export interface DeviceStatus {
  ts?: string;
  location?: string;
  availability?: string;
  busy_score?: number;
  battery?: number;
  online?: boolean;
  error_state?: string;
  [extra: string]: unknown;
}

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id?: string | number;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: string | number; result: unknown }
  | { jsonrpc: '2.0'; id: string | number; error: JsonRpcError };

export const RPC_UNKNOWN_METHOD = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL = -32603;
export const RPC_DEVICE_ERROR = -32000;

/** `^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$` (docs/PROTOCOL.md). */
export const DEVICE_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/;
/** `^[A-Za-z0-9_-]+$` (docs/PROTOCOL.md). */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** D2D presence document (docs/PROTOCOL.md). */
export interface PresenceDoc {
  device_id: string;
  capabilities: DeviceCapabilities;
  identity: DeviceIdentity;
  status: DeviceStatus;
  ts: number;
  d2d: true;
}

export interface DepartureDoc {
  device_id: string;
  tenant: string;
  departing: true;
  ts: number;
}

/**
 * A device as the agent side sees it, flattened the way agent-tools' `flatten_device` does
 * (docs/PROTOCOL.md), plus where we learned it from.
 */
export interface DeviceInfo {
  device_id: string;
  device_type: string;
  location: string;
  status: DeviceStatus;
  identity: DeviceIdentity;
  description: string;
  functions: FunctionDef[];
  events: EventDef[];
  labels: Labels;
  /** false once departed / pruned / offline but still remembered. */
  online: boolean;
  /** ms epoch when last seen (presence, registry record or heartbeat). */
  last_seen: number;
  source: 'd2d' | 'infra' | 'local';
}

export interface FleetSummary {
  total_devices: number;
  total_functions: number;
  by_type: Record<string, { count: number; locations: string[] }>;
  by_location: Record<string, { count: number; types: string[] }>;
}

/** An event as delivered to subscribers on the agent side. */
export interface MeshEvent {
  device_id: string;
  /** From the subject's last token (docs/PROTOCOL.md), not from `method`. */
  event_name: string;
  params: JsonObject;
  /** ms epoch at receipt. */
  received_at: number;
  /** Set (why) when the message was not JSON; only delivered to subscribers that asked for malformed events. */
  malformed?: string;
}
