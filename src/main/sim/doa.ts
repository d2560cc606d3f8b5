/**
 * Direction of arrival of sound, as the daemon reports it from the ReSpeaker array (`GET /api/state/doa`):
 * `{angle, speech_detected}`, angle in radians in the robot's body frame, 0 = left, π/2 = front, π = right.
 * The simulator's scripted speech bursts (see media/microphone.ts) each come from a sound source at a fixed place in
 * the room, taken in turn; between bursts the last direction stays with `speech_detected` false, like the hardware.
 */
import { DEFAULT_MIC_SCHEDULE, type MicSchedule } from './media/microphone';

/** World azimuth of each burst's source in degrees (+ = left of the robot's initial heading), used in turn. */
export const SOUND_SOURCES_DEG = [60, -45, 150, -120, 10] as const;

export interface DoaReading {
  angle: number;
  speech_detected: boolean;
}

export function simDoa(nowMs: number, bodyYawRad: number, s: MicSchedule = DEFAULT_MIC_SCHEDULE): DoaReading {
  const t = nowMs / 1000;
  const k = Math.floor((t - s.offsetS) / s.periodS);
  const phase = t - s.offsetS - k * s.periodS;
  const n = SOUND_SOURCES_DEG.length;
  const az = (SOUND_SOURCES_DEG[((k % n) + n) % n] * Math.PI) / 180;
  const rel = az - bodyYawRad;
  const angle = Math.PI / 2 - rel;
  const twoPi = 2 * Math.PI;
  return { angle: Math.round((((angle % twoPi) + twoPi) % twoPi) * 1e4) / 1e4, speech_detected: phase >= 0 && phase < s.burstS };
}
