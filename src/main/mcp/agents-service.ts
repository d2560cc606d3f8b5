/**
 * The console's `agents` method group (the Agents panel): pending calls of agents on the console-hosted bridge,
 * the operator's answers, revoke / restore, per-agent policy and the timeline. Served by the mcp service, which
 * owns the bridge and so its supervisor.
 */
import type { ServiceHandlers } from '../service';
import type { agentsMethods } from '../../shared/console-api/agents';
import { ConsoleApiError } from '../../shared/console-api/protocol';
import type { Supervisor } from './supervisor';

export function agentsHandlers(current: () => Supervisor | null): ServiceHandlers<typeof agentsMethods> {
  const need = (): Supervisor => {
    const s = current();
    if (!s) throw new ConsoleApiError({ code: 'unavailable', message: 'the console-hosted MCP bridge is not running: start it in the MCP panel' });
    return s;
  };
  return {
    agentsState: async ({ limit }) => {
      const s = current();
      if (!s) return { agents: [], pending: [], timeline: [], supervised: false };
      return { agents: s.listAgents(), pending: s.listPending(), timeline: s.recentTimeline(limit), supervised: true };
    },
    agentsDecide: async ({ id, approve, reason, allowMinutes }) => {
      const ok = need().decide(id, { approve, by: 'the operator', ...(reason ? { reason } : {}), ...(allowMinutes ? { allowMinutes } : {}) });
      if (!ok) throw new ConsoleApiError({ code: 'not_found', message: `no pending call ${id} (already answered, or timed out)` });
      return { ok };
    },
    agentsRevoke: async ({ agent, reason }) => need().revoke(agent, reason),
    agentsRestore: async ({ agent }) => {
      need().restore(agent);
      return { ok: true as const };
    },
    agentsSetPolicy: async (input) => {
      need().setPolicy(input.agent, input.class, input.decision);
      return { ok: true as const };
    },
  };
}
