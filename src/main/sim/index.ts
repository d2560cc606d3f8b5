/**
 * Public surface of the daemon-compatible simulator (docs/ARCHITECTURE.md).
 *
 *   const sim = await startSimulator({ port: 0, mode: 'mockup', seed: 1, clock: new ManualClock() });
 *   sim.url                        // http://127.0.0.1:<port>, the daemon base URL
 *   sim.state()                    // { time, headPose (world 4×4), bodyYaw, antennas, joints, imu, ... }
 *   sim.targetLog()                // every motion command received
 *   sim.faults.crash() / restart() // fault injection (also dropSdkClients, stall, unavailable)
 *
 * Media hook (for src/main/sim/media): register extra routes and WebSocket endpoints on the same server, and
 * read the pose each frame:
 *   sim.http.addRoute('GET', '/api/camera/frame', (req) => ({ body: jpeg, contentType: 'image/jpeg' }));
 *   sim.onUpgrade('/webrtc', (ws, req) => { ... });
 *   sim.onTick(() => render(sim.state()));   // 50 Hz in simulated time; sim.clock for timers
 * Handlers may throw HttpError(status, detail) to answer FastAPI-style `{"detail": ...}`.
 */
export { startSimulator } from './server';
export type { Simulator, SimulatorOptions, SimulatorFaults, SimStateSnapshot, UpgradeHandler } from './server';
export { ManualClock, realClock, scaledClock } from './clock';
export type { SimClock, Cancel } from './clock';
export { createRng } from './rng';
export type { Rng } from './rng';
export { HttpError, validationError, jsonBody, parseWith, queryBool, queryFloat } from './http';
export type { HttpMethod, RouteHandler, SimRequest, SimResponse, PydanticError } from './http';
export type { SimMode, TargetLogEntry } from './model';
export type { PlayedSound } from './core';
export { GENERIC_CAMERA_SPECS } from './routes';
export { createDaemonClient, resolveTarget, targetForSimulator } from '../reachy';
