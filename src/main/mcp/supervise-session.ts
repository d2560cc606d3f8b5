/**
 * Who an MCP session's agent is, and how to ask the person at its client: MCP elicitation in form mode (a
 * confirmation with the call's summary), offered only when the client declared the capability.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { agentName } from './supervisor';
import type { CallerContext, ElicitFn } from './supervisor';
import { errorMessage } from '../../shared/errors';

export function callerFor(server: Server, agent?: string): CallerContext {
  const name = agentName(agent ?? server.getClientVersion()?.name);
  const canAsk = server.getClientCapabilities()?.elicitation?.form !== undefined;
  if (!canAsk) return { agent: name };
  const elicit: ElicitFn = async (message, timeoutMs) => {
    let r;
    try {
      r = await server.elicitInput(
        {
          mode: 'form',
          message,
          requestedSchema: {
            type: 'object',
            properties: { approve: { type: 'boolean', title: 'Allow this call', description: 'Untick (or decline) to refuse it', default: true } },
          },
        },
        { timeout: timeoutMs },
      );
    } catch (err) {
      if (/timed? ?out/i.test(errorMessage(err))) return 'timeout';
      throw err;
    }
    // Only an explicit accept approves; decline, cancel or an unticked box refuse.
    return r.action === 'accept' && r.content?.approve !== false ? 'approved' : 'declined';
  };
  return { agent: name, elicit };
}
