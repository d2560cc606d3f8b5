/**
 * Default ports of the servers this package starts, chosen so that none clashes with another on one machine:
 * the console's browser mode, the simulator (the daemon's own 8000) and the demo policy server.
 */
export const DEFAULT_CONSOLE_PORT = 8765;
export const DEFAULT_SIM_PORT = 8000;
export const DEFAULT_POLICY_SERVER_PORT = 8766;
/** The live Foxglove bridge (Foxglove's own default, 8765, is the console's here). */
export const DEFAULT_FOXGLOVE_PORT = 8767;
