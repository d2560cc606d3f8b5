/**
 * Tool-call observers: a session recording (`mcp --record`, the console's Record button while it hosts the
 * bridge) sees every tool call any BridgeTools of this process answers, with its arguments and full result text.
 */
export interface ObservedToolCall {
  tool: string;
  arguments: unknown;
  startedAt: number;
  durationMs: number;
  isError: boolean;
  /** The result as the agent got it (JSON text for most tools). */
  text: string;
}

const observers = new Set<(call: ObservedToolCall) => void>();

export function observeToolCalls(cb: (call: ObservedToolCall) => void): () => void {
  observers.add(cb);
  return () => observers.delete(cb);
}

export function reportToolCall(call: ObservedToolCall): void {
  for (const o of observers) {
    try {
      o(call);
    } catch {
      // A recorder's bug never fails a tool call.
    }
  }
}
