/** What the core function groups (state, motion, ownership) share. */
import type { z } from 'zod';
import { defineFunction } from '../mesh';
import type { DeviceFunction } from '../mesh';
import type { Logger } from '../log';
import type { DaemonClient } from '../reachy';
import type { JsonObject } from '../../shared/wire';
import type { MotionController } from './motion';
import type { StateMirror } from './state-mirror';

export interface DriverContext {
  deviceId: string;
  daemon: DaemonClient;
  mirror: StateMirror;
  motion: MotionController;
  logger: Logger;
  emit(name: string, payload: JsonObject): void;
}

/** defineFunction, widened to the table's element type (handlers take the parsed params of their own schema). */
export function declare<S extends z.ZodType>(def: DeviceFunction<S>): DeviceFunction {
  return defineFunction(def) as unknown as DeviceFunction;
}
