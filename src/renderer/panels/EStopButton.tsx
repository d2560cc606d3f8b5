import { useEffect, useRef } from 'react';
import { notify, useConsoleApi } from '../hooks';
import { errorMessage } from '../../shared/errors';

/** The shortcut, shown on the button. Escape is the key an operator reaches for without looking. */
export const ESTOP_KEY = 'Escape';
/** An E-STOP not confirmed by then is reported as possibly undelivered (it keeps waiting for the final answer). */
export const ESTOP_CONFIRM_MS = 1000;

/**
 * Always visible. Emits emergency_stop on the mesh (every driver trips its interlock) and stop_motion to each robot.
 * Works from anywhere in the app with the Escape key (listened to before any panel sees it). Every press ends in
 * words: sent and confirmed, reached no robot, failed — or, within a second, that it is not confirmed yet.
 */
export function EStopButton() {
  const api = useConsoleApi();
  const inFlight = useRef(false);
  const press = async (how: string): Promise<void> => {
    if (inFlight.current) return;
    inFlight.current = true;
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) notify('error', `E-STOP NOT CONFIRMED after ${ESTOP_CONFIRM_MS / 1000} s — it may not have reached the robots; use the hardware stop if in doubt`);
    }, ESTOP_CONFIRM_MS);
    try {
      const r = await api.estop({ reason: `operator E-STOP (${how})` });
      settled = true;
      if (r.event || r.stopped.length) notify('error', `E-STOP sent${r.event ? ' to every driver on the mesh' : ''}${r.stopped.length ? `; stopped ${r.stopped.join(', ')}` : ''}`);
      else notify('error', 'E-STOP FAILED: it reached no robot (no mesh event could be sent, no robot answered)');
    } catch (err) {
      settled = true;
      notify('error', `E-STOP FAILED: not delivered — ${errorMessage(err)}`);
    } finally {
      clearTimeout(timer);
      inFlight.current = false;
    }
  };
  const pressRef = useRef(press);
  pressRef.current = press;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== ESTOP_KEY || e.repeat) return;
      e.preventDefault();
      void pressRef.current('Esc key');
    };
    // Capture phase on the window: no panel, input or dock can swallow it first.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  return (
    <button className="estop" data-testid="estop" onClick={() => void press('button')} title="Emergency stop every robot on the mesh — shortcut: Esc, from anywhere in the app" aria-keyshortcuts="Escape">
      E-STOP <kbd className="estop-key">Esc</kbd>
    </button>
  );
}
