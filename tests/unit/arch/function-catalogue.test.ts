/**
 * src/shared/function-catalogue.ts is generated from the driver's live declarations; callers (console controls,
 * panorama, runner) are type-checked against it. This fails when a driver function changed and the catalogue was
 * not regenerated (`node --import tsx scripts/gen-function-catalogue.ts`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_PATH, renderCatalogue } from '../../../scripts/gen-function-catalogue';
import { declaredFunctions } from '../../../src/main/driver';
import { DRIVER_FUNCTIONS, DRIVER_READ_FUNCTIONS, driverCall, isDriverFunction } from '../../../src/shared/driver-functions';

describe('driver function catalogue', () => {
  it('the committed catalogue is the one the driver declarations generate', () => {
    expect(readFileSync(CATALOGUE_PATH, 'utf8')).toBe(renderCatalogue(declaredFunctions()));
  });

  it('carries the labels the driver declares: groups, access, the stop function and the image result', () => {
    const live = new Map(declaredFunctions().map((d) => [d.name, d.labels ?? {}]));
    expect(Object.keys(DRIVER_FUNCTIONS).sort()).toEqual([...live.keys()].sort());
    expect(DRIVER_FUNCTIONS.stop_motion).toMatchObject({ group: 'motion', stop: true });
    expect(DRIVER_FUNCTIONS.capture_video_frame).toMatchObject({ group: 'media', access: 'read', result: 'image' });
    for (const [name, labels] of live) expect(isDriverFunction(name) && DRIVER_FUNCTIONS[name].access).toBe(labels.access);
    expect(DRIVER_READ_FUNCTIONS).toContain('get_status');
    expect(DRIVER_READ_FUNCTIONS).not.toContain('look_at_world');
  });

  it('a call is typed by the catalogue (a wrong parameter name does not compile)', () => {
    const call = driverCall('set_body_yaw', { yaw_deg: 10, duration_s: 0 });
    expect(call).toEqual({ fn: 'set_body_yaw', params: { yaw_deg: 10, duration_s: 0 } });
    // @ts-expect-error -- 'yaw' is not a parameter of set_body_yaw (it is yaw_deg)
    driverCall('set_body_yaw', { yaw: 10 });
    // @ts-expect-error -- no such driver function
    driverCall('set_body_yaw_deg', {});
    expect(isDriverFunction('nope')).toBe(false);
  });
});
