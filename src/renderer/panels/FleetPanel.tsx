import { Empty, LiveData, Panel } from '../components/Panel';
import { selectDevice, useDevices, useFleetFreshness, useNow, useSelectedDeviceId, useSnapshot } from '../hooks';
import { useConsoleStore } from '../store';
import { freshness, formatAge } from '../live';
import type { DeviceInfo } from '../../shared/wire';

/**
 * A device's dot: green only while it is listed online by a fresh list and, when it streams state, that stream is
 * live too. A quiet stream turns the dot amber with its age, so a listed-but-silent robot never looks live.
 */
function dotOf(d: DeviceInfo, listStale: boolean, lastState: number | undefined, now: number): { cls: string; title: string } {
  if (!d.online) return { cls: 'off', title: 'offline' };
  if (listStale) return { cls: 'stale', title: 'online when last listed; the device list is not live' };
  if (lastState === undefined) return { cls: 'on', title: 'online' };
  const f = freshness({ now, receivedAt: lastState, what: 'state' });
  const age = `state ${formatAge(f.ageMs ?? 0)} old`;
  return f.stale ? { cls: 'stale', title: `online, but ${f.reason ?? 'its state is stale'} (${age})` } : { cls: 'on', title: `online · ${age}` };
}

export function FleetPanel() {
  const devices = useDevices();
  const selected = useSelectedDeviceId();
  const snapshot = useSnapshot();
  const error = useConsoleStore((s) => s.devicesError);
  const live = useFleetFreshness();
  const now = useNow(500);
  // Read without subscribing: the dots follow the wall clock (`now`), not every 20 Hz push.
  const robots = useConsoleStore.getState().robots;
  const mesh = snapshot?.mesh;
  return (
    <Panel name="fleet" title="Fleet" live={live}>
      <div className="muted small" data-testid="mesh-line">
        {mesh ? (
          <>
            mesh: <b>{mesh.kind === 'local' ? 'local (in-process)' : mesh.urls.join(', ')}</b> · {mesh.status}
            {mesh.kind === 'nats' ? ` · tenant ${mesh.tenant} · ${mesh.discoveryMode}` : ''}
            {mesh.error ? <span className="err"> · {mesh.error}</span> : null}
          </>
        ) : (
          'mesh: —'
        )}
      </div>
      {error ? <div className="err small">{error}</div> : null}
      {devices.length === 0 ? (
        <Empty>No devices on the mesh yet{snapshot?.driver.running ? ' (the driver is announcing itself…)' : ' — start the driver in Settings'}.</Empty>
      ) : (
        <LiveData f={live}>
          <ul className="device-list" data-testid="device-list">
            {devices.map((d) => {
              const dot = dotOf(d, live.stale, robots[d.device_id]?.receivedAt, now);
              return (
                <li key={d.device_id}>
                  <button
                    className={`device${d.device_id === selected ? ' selected' : ''}`}
                    onClick={() => selectDevice(d.device_id)}
                    data-testid={`device-${d.device_id}`}
                  >
                    <span className={`dot ${dot.cls}`} title={dot.title} data-testid={`dot-${d.device_id}`} data-state={dot.cls} />
                    <span className="device-id">{d.device_id}</span>
                    <span className="muted small">
                      {d.device_type} · {d.functions.length} fn{d.status.availability ? ` · ${String(d.status.availability)}` : ''}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </LiveData>
      )}
    </Panel>
  );
}
