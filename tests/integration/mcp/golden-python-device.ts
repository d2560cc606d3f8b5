/**
 * A "Python" Device Connect device on a bare NATS connection that speaks only the captured golden payloads of the
 * reference implementation (device-connect-wire.md §3.3–§3.7, sensor-001, D2D mode): the presence document
 * verbatim (Python json.dumps formatting), answers to discovery probes, the captured JSON-RPC replies, and the
 * captured alert event after set_threshold. No code of ours runs on this side.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

const CAPABILITIES =
  '{"description": "Demo temperature sensor.", "functions": [{"name": "get_reading", "description": "Return the current sensor reading.", "parameters": {"type": "object", "properties": {"unit": {"type": "string", "description": "Temperature unit, C or F", "default": "C"}}, "required": []}, "labels": null, "tags": []}, {"name": "set_threshold", "description": "Set the alert threshold.", "parameters": {"type": "object", "properties": {"value": {"type": "number"}, "note": {"type": "string", "default": null}}, "required": ["value"]}, "labels": {"direction": "write"}, "tags": []}], "events": [{"name": "alert", "description": "Emit an alert event.", "payload_schema": {"type": "object", "properties": {"level": {"type": "string", "description": "Severity level"}, "message": {"type": "string", "description": "Human readable text"}}, "required": ["level", "message"]}, "labels": null, "tags": []}], "labels": {"category": "sensor", "location": "lab-1"}}';

/** §3.7 presence document, with the capabilities of §3.5 ("…same as registration…"). */
export function presenceDoc(ts = Date.now() / 1000): string {
  return (
    '{"device_id": "sensor-001", "capabilities": ' +
    CAPABILITIES +
    ', "identity": {"device_type": "sensor", "manufacturer": "Acme", "model": "TH-100", "description": "Demo sensor"}, ' +
    `"status": {"ts": "2026-11-22T01:27:17Z", "location": "lab-1", "availability": "available", "busy_score": 0.0, "online": true}, "ts": ${ts}, "d2d": true}`
  );
}

export const GOLDEN_FUNCTIONS = JSON.parse(CAPABILITIES).functions as Array<{ name: string; description: string; parameters: unknown }>;

export interface GoldenDevice {
  stop(): Promise<void>;
}

export async function startGoldenPythonDevice(url: string, tenant = 'default'): Promise<GoldenDevice> {
  const nc: NatsConnection = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const base = `device-connect.${tenant}.sensor-001`;
  const announce = (): void => nc.publish(`${base}.presence`, enc.encode(presenceDoc()));

  nc.subscribe(`device-connect.${tenant}.discovery.probe`, { callback: () => announce() });
  nc.subscribe(`${base}.cmd`, {
    callback: (_err, msg) => {
      const req = JSON.parse(dec.decode(msg.data)) as { id?: string; method: string; params?: Record<string, unknown> };
      if (req.id === undefined || !msg.reply) return;
      const id = JSON.stringify(req.id);
      let body: string;
      if (req.method === 'get_reading') {
        const unit = req.params?.unit === 'F' ? 'F' : 'C';
        const t = unit === 'F' ? '72.5' : '22.5';
        body = `{"jsonrpc": "2.0", "id": ${id}, "result": {"temperature": ${t}, "unit": "${unit}", "humidity": 45}}`;
      } else if (req.method === 'set_threshold') {
        const value = Number(req.params?.value);
        if (value < 0) {
          body = `{"jsonrpc": "2.0", "id": ${id}, "error": {"code": -32000, "message": "Error invoking set_threshold: threshold must be >= 0"}}`;
        } else {
          // The Python driver emits from inside the handler, before its reply.
          nc.publish(
            `${base}.event.alert`,
            enc.encode(
              `{"jsonrpc": "2.0", "method": "alert", "params": {"level": "info", "message": "threshold set to ${value}", "event_id": "136e12b6", "ts": "2026-11-22T01:27:28Z", "_trace_id": "58a91e30b3a44762"}}`,
            ),
          );
          body = `{"jsonrpc": "2.0", "id": ${id}, "result": null}`;
        }
      } else {
        body = `{"jsonrpc": "2.0", "id": ${id}, "error": {"code": -32601, "message": "Unknown method: ${req.method}"}}`;
      }
      msg.respond(enc.encode(body));
    },
  });
  await nc.flush();
  announce();
  const timer = setInterval(announce, 500);
  return {
    stop: async () => {
      clearInterval(timer);
      nc.publish(`${base}.presence`, enc.encode(`{"device_id": "sensor-001", "tenant": "${tenant}", "departing": true, "ts": ${Date.now() / 1000}}`));
      await nc.drain().catch(() => undefined);
    },
  };
}

/** A device that takes commands and never answers (for the timeout wording). */
export async function startMuteDevice(url: string, deviceId: string, tenant = 'default'): Promise<GoldenDevice> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  nc.subscribe(`device-connect.${tenant}.${deviceId}.cmd`, { callback: () => undefined });
  await nc.flush();
  return { stop: () => nc.drain().catch(() => undefined) };
}

/** §3.5 registerDevice request, verbatim (infra mode), and the heartbeat of §3.9. */
export function registrationRequest(): string {
  return (
    '{"jsonrpc": "2.0", "id": "sensor-001-1795310958132", "method": "registerDevice", "params": {"device_id": "sensor-001", "device_ttl": 15, "capabilities": ' +
    CAPABILITIES +
    ', "identity": {"device_type": "sensor", "manufacturer": "Acme", "model": "TH-100", "description": "Demo sensor"}, "status": {"ts": "2026-11-22T01:29:18Z", "location": "lab-1", "availability": "available", "busy_score": 0.0, "online": true}}}'
  );
}

/** Registers the golden sensor with the registry on `url` and heartbeats it; returns the registry's reply. */
export async function registerGoldenInfra(url: string, tenant = 'default'): Promise<{ reply: unknown; stop(): Promise<void> }> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const enc = new TextEncoder();
  const msg = await nc.request(`device-connect.${tenant}.registry`, enc.encode(registrationRequest()), { timeout: 5000 });
  const reply = JSON.parse(new TextDecoder().decode(msg.data)) as unknown;
  const beat = (): void => nc.publish(`device-connect.${tenant}.sensor-001.heartbeat`, enc.encode(`{"device_id": "sensor-001", "ts": ${Date.now() / 1000}}`));
  beat();
  const timer = setInterval(beat, 5000);
  return {
    reply,
    stop: async () => {
      clearInterval(timer);
      await nc.drain().catch(() => undefined);
    },
  };
}
