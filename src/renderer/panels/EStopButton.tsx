import { notify, runAction, useConsoleApi } from '../hooks';

/** Always visible. Emits emergency_stop on the mesh (every driver trips its interlock) and stop_motion to each robot. */
export function EStopButton() {
  const api = useConsoleApi();
  const press = async (): Promise<void> => {
    const r = await runAction('E-STOP', () => api.estop({ reason: 'operator E-STOP' }));
    if (r) notify(r.event || r.stopped.length ? 'info' : 'error', r.event || r.stopped.length ? `E-STOP sent${r.stopped.length ? `; stopped ${r.stopped.join(', ')}` : ''}` : 'E-STOP reached no robot');
  };
  return (
    <button className="estop" data-testid="estop" onClick={() => void press()} title="Emergency stop every robot on the mesh">
      E-STOP
    </button>
  );
}
