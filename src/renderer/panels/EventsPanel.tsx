import { useMemo, useState } from 'react';
import { Empty, Panel } from '../components/Panel';
import { useConsoleStore } from '../store';

// Its own component: the count changes at 20 Hz and should not re-render the list.
function StateCount() {
  const n = useConsoleStore((s) => s.stateEventCount);
  return (
    <span className="muted small" data-testid="state-count">
      {n} state_event received (not listed)
    </span>
  );
}

export function EventsPanel() {
  const events = useConsoleStore((s) => s.events);
  const [device, setDevice] = useState('');
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const devices = useMemo(() => [...new Set(events.map((e) => e.deviceId))].sort(), [events]);
  const names = useMemo(() => [...new Set(events.map((e) => e.name))].sort(), [events]);
  const shown = useMemo(() => {
    const t = text.toLowerCase();
    return events
      .filter((e) => (!device || e.deviceId === device) && (!name || e.name === name) && (!t || JSON.stringify(e.params).toLowerCase().includes(t)))
      .slice(-200)
      .reverse();
  }, [events, device, name, text]);
  return (
    <Panel name="events" title="Events" wide extra={<StateCount />}>
      <div className="row filters">
        <select value={device} onChange={(e) => setDevice(e.target.value)} aria-label="device filter" data-testid="events-device">
          <option value="">all devices</option>
          {devices.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
        <select value={name} onChange={(e) => setName(e.target.value)} aria-label="event filter" data-testid="events-name">
          <option value="">all events</option>
          {names.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
        <input type="search" placeholder="text in payload" value={text} onChange={(e) => setText(e.target.value)} aria-label="text filter" />
      </div>
      {shown.length === 0 ? (
        <Empty>No events yet (safety, audio and motion events appear here).</Empty>
      ) : (
        <ul className="log-list" data-testid="events-list">
          {shown.map((e) => (
            <li key={e.seq} className={`event-${e.name}`}>
              <span className="mono muted">{new Date(e.receivedAt).toLocaleTimeString()}</span> <b>{e.name}</b> <span className="muted">{e.deviceId}</span>{' '}
              <span className="mono small">{JSON.stringify(e.params).slice(0, 240)}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
