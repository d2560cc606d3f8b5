/**
 * GStreamer webrtcsink signalling protocol (gst-plugins-rs, docs/DAEMON.md §5.3): JSON messages
 * tagged by `type`, camelCase. Parsed leniently: unknown keys are kept/ignored, optional fields may be absent.
 * Shared by the simulator's signalling server, the Node probe client and (as types) the console's video panel.
 */
import { z } from 'zod';

const meta = z.record(z.string(), z.unknown()).nullable().optional();
const sdp = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() }).loose();
const ice = z
  .object({ candidate: z.string(), sdpMLineIndex: z.number().int().nullable().optional(), sdpMid: z.string().nullable().optional() })
  .loose();
const role = z.enum(['producer', 'consumer', 'listener']);

/** Peer → server. */
export const incomingMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('setPeerStatus'), roles: z.array(role).max(3), meta, peerId: z.string().optional() }).loose(),
  z.object({ type: z.literal('list') }).loose(),
  z.object({ type: z.literal('listConsumers') }).loose(),
  z.object({ type: z.literal('startSession'), peerId: z.string().min(1), offer: z.string().nullable().optional() }).loose(),
  z.object({ type: z.literal('peer'), sessionId: z.string().min(1), sdp: sdp.optional(), ice: ice.optional() }).loose(),
  z.object({ type: z.literal('endSession'), sessionId: z.string().min(1) }).loose(),
  z.object({ type: z.literal('setProtocolVersion'), version: z.string() }).loose(),
]);
export type IncomingMessage = z.infer<typeof incomingMessage>;

/** Server → peer. */
export const outgoingMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), peerId: z.string() }).loose(),
  z.object({ type: z.literal('peerStatusChanged'), peerId: z.string(), roles: z.array(z.string()), meta }).loose(),
  z.object({ type: z.literal('list'), producers: z.array(z.object({ id: z.string(), meta }).loose()) }).loose(),
  z.object({ type: z.literal('listConsumers'), consumers: z.array(z.object({ id: z.string(), meta }).loose()) }).loose(),
  z.object({ type: z.literal('sessionStarted'), peerId: z.string(), sessionId: z.string() }).loose(),
  z.object({ type: z.literal('startSession'), peerId: z.string(), sessionId: z.string(), offer: z.string().nullable().optional() }).loose(),
  z.object({ type: z.literal('peer'), sessionId: z.string(), sdp: sdp.optional(), ice: ice.optional() }).loose(),
  z.object({ type: z.literal('endSession'), sessionId: z.string() }).loose(),
  z.object({ type: z.literal('error'), details: z.string() }).loose(),
]);
export type OutgoingMessage = z.infer<typeof outgoingMessage>;

export type SdpMessage = z.infer<typeof sdp>;
export type IceMessage = z.infer<typeof ice>;

export function producerName(m: { meta?: Record<string, unknown> | null }): string | null {
  const name = m.meta?.name;
  return typeof name === 'string' ? name : null;
}
