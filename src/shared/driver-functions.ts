/**
 * Typed access to the driver's function catalogue (generated in ./function-catalogue.ts from the driver's own
 * declarations): callers name a function and its parameters, and the compiler checks both. A renamed function or
 * parameter in the driver becomes a type error in every caller once the catalogue is regenerated.
 */
import { DRIVER_FUNCTIONS, type DriverFunctionName, type DriverFunctionParams } from './function-catalogue';
import type { JsonObject } from './wire';

export { DRIVER_FUNCTIONS, type DriverFunctionLabels, type DriverFunctionName, type DriverFunctionParams } from './function-catalogue';

/** One driver call: the function and its parameters, as the mesh sends them. */
export interface DriverCall<K extends DriverFunctionName = DriverFunctionName> {
  fn: K;
  params: JsonObject;
}

/** Builds a call whose parameters the compiler checked against the driver's declaration. */
export function driverCall<K extends DriverFunctionName>(fn: K, params: DriverFunctionParams[K]): DriverCall<K> {
  return { fn, params };
}

export function isDriverFunction(name: string): name is DriverFunctionName {
  return Object.hasOwn(DRIVER_FUNCTIONS, name);
}

/** The functions the driver labels as only observing (`access: read`). */
export const DRIVER_READ_FUNCTIONS: readonly DriverFunctionName[] = (Object.keys(DRIVER_FUNCTIONS) as DriverFunctionName[]).filter(
  (n) => DRIVER_FUNCTIONS[n].access === 'read',
);
