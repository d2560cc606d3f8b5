/**
 * Direction of arrival of sound from the daemon (`GET /api/state/doa`, `{angle, speech_detected}` or null), polled
 * while the driver publishes state_event and carried in it as `doa`. A robot without a microphone array answers
 * null, and the field stays null: nothing is made up.
 */
import { restCall } from '../reachy';
import type { JsonObject } from '../../shared/wire';

const POLL_MS = 200;

export interface DoaPoller {
  /** The latest reading for state_event: `{angle_rad, speech_detected, age_ms}` (daemon convention: 0 = left, π/2 = front, π = right), or null. */
  latest(): JsonObject | null;
  stop(): void;
}

export function startDoaPoller(baseUrl: string): DoaPoller {
  let reading: { angle: number; speech: boolean; at: number } | null = null;
  let stopped = false;
  let busy = false;
  const poll = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const r = await restCall<{ angle?: unknown; speech_detected?: unknown } | null>({ baseUrl, timeoutMs: 1000 }, 'GET', '/api/state/doa');
      reading = r && typeof r.angle === 'number' && Number.isFinite(r.angle) ? { angle: r.angle, speech: r.speech_detected === true, at: Date.now() } : null;
    } catch {
      // No reading (old daemon, link down): the last one ages out below rather than being repeated as fresh.
    } finally {
      busy = false;
    }
  };
  const t = setInterval(() => void poll(), POLL_MS);
  t.unref?.();
  void poll();
  return {
    latest() {
      if (!reading || Date.now() - reading.at > 2000) return null;
      return { angle_rad: reading.angle, speech_detected: reading.speech, age_ms: Date.now() - reading.at };
    },
    stop() {
      stopped = true;
      clearInterval(t);
    },
  };
}
