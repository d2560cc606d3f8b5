/** ConsoleApi methods of the runner panel. The runner work fills this group in; the host and UI derive from it. */
export interface RunnerStatus { running: boolean; steps: number; applied_steps: number; safe_stops: number; errors: number; lastActionChunk?: unknown }

export const runnerMethods = {};
