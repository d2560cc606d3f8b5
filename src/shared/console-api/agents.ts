/**
 * ConsoleApi methods of the Agents panel: the agents using the console-hosted MCP bridge, their pending calls
 * (Approve / Deny / allow motion for N minutes), revoke, per-agent policy, and the live timeline of every call.
 * Changes arrive as `agents` pushes.
 */
import { z } from 'zod';
import { method } from './protocol';

export type AgentDecision = 'pending' | 'allowed' | 'approved' | 'denied' | 'refused';
export type AgentFunctionClass = 'observe' | 'motion' | 'media' | 'control' | 'stop';
export type AgentPolicyDecision = 'allow' | 'ask' | 'deny';

export interface AgentTimelineEntry {
  seq: number;
  ts: number;
  agent: string;
  device_id: string;
  function: string;
  class: AgentFunctionClass;
  arguments: unknown;
  decision: AgentDecision;
  decided_by?: string;
  reason?: string;
  result?: { ok: boolean; summary: string };
  /** An image the agent saw in the result (base64). */
  image?: { data: string; mimeType: string };
}

export interface AgentPending {
  id: string;
  seq: number;
  ts: number;
  /** When the call is denied if nobody answers (epoch ms). */
  deadline: number;
  agent: string;
  device_id: string;
  function: string;
  class: AgentFunctionClass;
  arguments: unknown;
  /** The call's numeric arguments (angles, offsets, durations): where it would move the robot. */
  target: Record<string, number>;
  summary: string;
}

export interface AgentInfo {
  name: string;
  /** Its bridge's source device and lease owner on the mesh. */
  identity: string;
  revoked: { reason: string; by: string; at: number } | null;
  motion_allowed_until: number | null;
  motion_calls: number;
  calls: number;
  robots: string[];
  last_seen: number;
  policy: Record<'observe' | 'motion' | 'media' | 'control', AgentPolicyDecision>;
  guard: unknown;
}

export type AgentsPush =
  | { kind: 'timeline'; entry: AgentTimelineEntry }
  | { kind: 'pending'; pending: AgentPending }
  | { kind: 'resolved'; id: string; approved: boolean; by: string; reason?: string }
  | { kind: 'agents'; agents: AgentInfo[] };

const agentName = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'agent names are 1-64 letters, digits, _ . @ -');

export const agentsMethods = {
  agentsState: method<{ agents: AgentInfo[]; pending: AgentPending[]; timeline: AgentTimelineEntry[]; supervised: boolean }>()(
    'Agents on the console-hosted MCP bridge, their pending calls and the recent timeline.',
    z.object({ limit: z.number().int().min(1).max(500).default(200) }),
  ),
  agentsDecide: method<{ ok: boolean }>()(
    'Approve or deny a pending agent call; allowMinutes also lets that agent move the robot for N minutes.',
    z.object({
      id: z.string().min(1).max(64),
      approve: z.boolean(),
      reason: z.string().max(300).optional(),
      allowMinutes: z.number().int().min(1).max(240).optional(),
    }),
  ),
  agentsRevoke: method<{ stopped: string[]; errors: string[] }>()(
    "Take an agent's motion rights away now: stop motion it started, release its lease, refuse its next motion call.",
    z.object({ agent: agentName, reason: z.string().min(1).max(300).default('revoked in the console') }),
  ),
  agentsRestore: method<{ ok: true }>()('Give a revoked agent its rights back (its policy applies again).', z.object({ agent: agentName })),
  agentsSetPolicy: method<{ ok: true }>()(
    "Set an agent's policy for one function class (null: back to the file/default).",
    z.object({
      agent: agentName,
      class: z.enum(['observe', 'motion', 'media', 'control']),
      decision: z.enum(['allow', 'ask', 'deny']).nullable(),
    }),
  ),
};
