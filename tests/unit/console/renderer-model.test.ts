import { describe, expect, it } from 'vitest';
import { parseStateEvent } from '../../../src/renderer/robot-state';
import { initialValues, toParams } from '../../../src/renderer/components/SchemaForm';
import { e2eNotSelected } from '../../helpers/renderer-build';
import { poseToMat4, deg2rad } from '../../../src/shared/kinematics';
import type { JsonSchemaObject } from '../../../src/shared/wire';

describe('state_event → what the robot panel draws', () => {
  it("reads the driver's payload: pose in degrees/mm, body yaw, antennas, lease, interlock", () => {
    const m = poseToMat4({ x: 0.01, y: 0, z: 0.02, roll: 0, pitch: deg2rad(20), yaw: deg2rad(-30) });
    const v = parseStateEvent(
      'reachy-mini-1',
      {
        head_pose: { matrix: m, rpy_deg: { roll: 0, pitch: 20, yaw: -30 }, xyz_mm: { x: 10, y: 0, z: 20 } },
        body_yaw_deg: 45,
        antennas_deg: { left: 10, right: -5 },
        head_joints_deg: [45, 1, 2, 3, 4, 5, 6],
        imu: { accelerometer: [0, 0, 9.81], gyroscope: [0, 0, 0.1], quaternion: [1, 0, 0, 0], temperature: 31 },
        link: { status: 'connected', transport: 'websocket', error: null },
        driver_state: {
          command_owner: 'operator',
          lease_active: true,
          lease_expires_at: 1_800_000_010,
          execution_state: 'moving',
          interlock_state: 'tripped',
          interlock_reason: 'operator E-STOP',
          last_error: { message: 'pitch=40 outside safe range [-30, 30]', kind: 'range', ts: 1 },
        },
      },
      1_800_000_000_000,
    );
    expect(v.head!.pitch).toBeCloseTo(20, 6);
    expect(v.head!.yaw).toBeCloseTo(-30, 6);
    expect(v.head!.x).toBeCloseTo(10, 6);
    expect(v.head!.z).toBeCloseTo(20, 6);
    expect(v.bodyYawDeg).toBe(45);
    expect(v.antennasDeg).toEqual([-5, 10]);
    expect(v.jointsDeg).toHaveLength(7);
    expect(v.imu?.temp).toBe(31);
    expect(v).toMatchObject({ owner: 'operator', leaseExpiresAt: 1_800_000_010_000, interlock: 'tripped', interlockReason: 'operator E-STOP', execution: 'moving', link: 'connected' });
    expect(v.lastError).toMatch(/pitch=40/);
  });

  it('shows no owner once the lease has ended, and tolerates missing fields', () => {
    const v = parseStateEvent('x', { driver_state: { command_owner: 'agent', lease_active: false, interlock_state: 'safe' } }, 0);
    expect(v.owner).toBeNull();
    expect(v.leaseExpiresAt).toBeNull();
    expect(v.head).toBeNull();
    expect(v.antennasDeg).toBeNull();
    expect(v.interlock).toBe('safe');
  });
});

describe('forms generated from a function schema', () => {
  const schema: JsonSchemaObject = {
    type: 'object',
    properties: {
      pitch: { type: 'number', minimum: -30, maximum: 30, default: 0 },
      steps: { type: 'integer' },
      frame: { type: 'string', enum: ['world', 'body'] },
      hold: { type: 'boolean' },
      extra: { type: 'object' },
      owner: { type: 'string' },
    },
    required: ['owner'],
  };

  it('starts from the defaults and converts typed values; unset fields are not sent', () => {
    const values = initialValues(schema);
    expect(values).toEqual({ pitch: '0' });
    expect(toParams(schema, { ...values, steps: '3', frame: 'body', hold: 'true', extra: '{"a":1}', owner: 'me' })).toEqual({
      params: { pitch: 0, steps: 3, frame: 'body', hold: true, extra: { a: 1 }, owner: 'me' },
    });
  });

  it('names the field that does not parse or is missing', () => {
    expect(toParams(schema, { owner: 'me', steps: '1.5' })).toEqual({ error: 'steps: must be an integer' });
    expect(toParams(schema, { owner: 'me', extra: '{' })).toEqual({ error: 'extra: not valid JSON' });
    expect(toParams(schema, { pitch: '3' })).toEqual({ error: 'owner: required' });
  });
});

describe('renderer build before the suite', () => {
  it('is skipped when only non-e2e paths are selected', () => {
    expect(e2eNotSelected(['run', 'tests/unit/console'])).toBe(true);
    expect(e2eNotSelected(['run', 'tests/e2e/console.test.ts'])).toBe(false);
    expect(e2eNotSelected(['run'])).toBe(false);
    expect(e2eNotSelected(['run', 'tests'])).toBe(false);
    expect(e2eNotSelected(['run', '--reporter', 'dot', 'tests/unit'])).toBe(true);
  });
});

describe('direction of arrival in the robot view', () => {
  it('turns the daemon angle (body frame, 0 = left, π/2 = front) into a world heading in (-180, 180]', () => {
    const at = (angle: number, body: number) => parseStateEvent('x', { body_yaw_deg: body, doa: { angle_rad: angle, speech_detected: true, age_ms: 5 } }, 0);
    expect(at(Math.PI / 2, 0).doaDeg).toBeCloseTo(0, 6); // front
    expect(at(0, 0).doaDeg).toBeCloseTo(90, 6); // left
    expect(at(Math.PI, 0).doaDeg).toBeCloseTo(-90, 6); // right
    expect(at((-60 * Math.PI) / 180 + 2 * Math.PI, 0).doaDeg).toBeCloseTo(150, 6); // behind, to the left: not -210
    expect(at(Math.PI / 2, 100).doaDeg).toBeCloseTo(100, 6); // the body turned: the heading turns with it
    expect(at(0, 0).speech).toBe(true);
    expect(parseStateEvent('x', { doa: null }, 0).doaDeg).toBeNull();
  });
});
