import { useMemo, useState } from 'react';
import { Empty, Panel } from '../components/Panel';
import { useConsoleStore } from '../store';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function LogsPanel() {
  const logs = useConsoleStore((s) => s.logs);
  const [min, setMin] = useState<(typeof LEVELS)[number]>('info');
  const shown = useMemo(() => logs.filter((l) => LEVELS.indexOf(l.level) >= LEVELS.indexOf(min)).slice(-300).reverse(), [logs, min]);
  return (
    <Panel
      name="logs"
      title="Logs"
      wide
      extra={
        <select value={min} onChange={(e) => setMin(e.target.value as (typeof LEVELS)[number])} aria-label="minimum level">
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      }
    >
      {shown.length === 0 ? (
        <Empty>No log lines.</Empty>
      ) : (
        <ul className="log-list" data-testid="logs-list">
          {shown.map((l, i) => (
            <li key={`${l.ts}-${i}`} className={`lvl-${l.level}`}>
              <span className="mono muted">{new Date(l.ts).toLocaleTimeString()}</span> <span className={`lvl lvl-${l.level}`}>{l.level}</span>{' '}
              <span className="muted">[{l.scope}]</span> {l.message}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
