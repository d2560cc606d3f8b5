/**
 * The driver's Device Connect events (docs/SAFETY.md; docs/PRIOR-ART.md §B.3 shapes). audio_event and motion_event are declared here
 * so the device always advertises them; the media group emits them.
 */
import { z } from 'zod';
import { defineEvent } from '../mesh';
import type { EventDeclaration } from '../mesh';

export const SAFETY_EVENT = 'safety_event';
export const STATE_EVENT = 'state_event';
export const EMERGENCY_STOP_EVENT = 'emergency_stop';

export const driverEvents: EventDeclaration[] = [
  defineEvent({
    name: 'audio_event',
    description:
      'Audio activity detected or ended on the microphone (emitted by detect_audio_activity): ' +
      '{kind:"audio_activity_detected"|"audio_activity_ended", source:"microphone", state, rms, threshold, duration_ms, confidence}.',
    payload: z.object({
      kind: z.string(),
      source: z.string(),
      state: z.string(),
      rms: z.number(),
      threshold: z.number(),
      duration_ms: z.number(),
      confidence: z.number(),
    }),
  }),
  defineEvent({
    name: 'motion_event',
    description:
      'Visual motion detected or ended in the camera (emitted by detect_motion): ' +
      '{kind:"motion_detected"|"motion_ended", source, state, magnitude, threshold, confidence}.',
    payload: z.object({
      kind: z.string(),
      source: z.string(),
      state: z.string(),
      magnitude: z.number(),
      threshold: z.number(),
      confidence: z.number(),
    }),
  }),
  defineEvent({
    name: SAFETY_EVENT,
    description:
      'The safety interlock tripped (daemon disconnected, mesh-wide emergency_stop, operator E-STOP) or was reset: ' +
      '{kind:"interlock_tripped"|"interlock_reset", state:"tripped"|"safe", reason, source:"daemon"|"mesh"|"operator"|"driver", ts}. ' +
      'While tripped, motion is refused until reset_interlock.',
    payload: z.object({
      kind: z.string(),
      state: z.enum(['tripped', 'safe']),
      reason: z.string(),
      source: z.string(),
      from_device: z.string().optional(),
    }),
  }),
  defineEvent({
    name: STATE_EVENT,
    description:
      'Live robot state at a fixed rate (default 20 Hz): joints and head pose (degrees, mm, 4x4), body yaw, ' +
      'antennas, IMU, daemon link, the driver state mirror (owner, lease, interlock, execution, last error), and the ' +
      'direction of arrival of sound when the robot has a microphone array (doa: {angle_rad (0 = left, π/2 = front, ' +
      'π = right), speech_detected, age_ms} or null).',
    payload: z.object({
      head_pose: z.unknown(),
      body_yaw_deg: z.number().nullable(),
      antennas_deg: z.unknown(),
      head_joints_deg: z.array(z.number()).nullable(),
      imu: z.unknown(),
      driver_state: z.unknown(),
      doa: z.object({ angle_rad: z.number(), speech_detected: z.boolean(), age_ms: z.number() }).nullable().optional(),
    }),
  }),
];
