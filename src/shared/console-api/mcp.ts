/** ConsoleApi methods of the mcp panel. The mcp work fills this group in; the host and UI derive from it. */
export interface McpCallRecord { ts: number; tool: string; arguments: unknown; ok: boolean; summary: string; elapsedMs: number }

export const mcpMethods = {};
