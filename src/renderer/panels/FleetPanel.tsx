import { Empty, Panel } from '../components/Panel';
import { selectDevice, useDevices, useSelectedDeviceId, useSnapshot } from '../hooks';
import { useConsoleStore } from '../store';

export function FleetPanel() {
  const devices = useDevices();
  const selected = useSelectedDeviceId();
  const snapshot = useSnapshot();
  const error = useConsoleStore((s) => s.devicesError);
  const mesh = snapshot?.mesh;
  return (
    <Panel name="fleet" title="Fleet">
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
        <ul className="device-list" data-testid="device-list">
          {devices.map((d) => (
            <li key={d.device_id}>
              <button
                className={`device${d.device_id === selected ? ' selected' : ''}`}
                onClick={() => selectDevice(d.device_id)}
                data-testid={`device-${d.device_id}`}
              >
                <span className={`dot ${d.online ? 'on' : 'off'}`} title={d.online ? 'online' : 'offline'} />
                <span className="device-id">{d.device_id}</span>
                <span className="muted small">
                  {d.device_type} · {d.functions.length} fn{d.status.availability ? ` · ${String(d.status.availability)}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
