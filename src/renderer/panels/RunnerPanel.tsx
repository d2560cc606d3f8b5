/**
 * Policy runner panel: pick the policy (the built-in demo, or a server URL, or a pasted robot.yaml), switch
 * dry_run / apply_actions, start / stop, and watch the live counters (runner_heartbeat pushes) and the last action
 * chunk. The session runs in main and reaches the robot only through the mesh invoke path.
 */
import { errorMessage } from '../../shared/errors';
import { useEffect, useState } from 'react';
import { runAction, useConsoleApi, useSelectedDeviceId } from '../hooks';
import type { RunnerStatus } from '../../shared/console-api';
import type { RunnerOptionsInput } from '../../shared/console-api/runner';

type PolicyChoice = 'demo' | 'websocket' | 'http' | 'openpi' | 'yaml';

interface Form {
  mode: 'dry_run' | 'apply_actions';
  policy: PolicyChoice;
  demoTransport: 'websocket' | 'http' | 'openpi';
  url: string;
  yaml: string;
  camera: boolean;
  maxSteps: string;
  controlPeriodS: string;
  hz: string;
  maxChunkAgeS: string;
  stopOnError: boolean;
}

const LAYOUT_SHORT: Record<string, string> = {
  head_roll_deg: 'roll°',
  head_pitch_deg: 'pitch°',
  head_yaw_deg: 'yaw°',
  head_x_mm: 'x mm',
  head_y_mm: 'y mm',
  head_z_mm: 'z mm',
  body_yaw_deg: 'body°',
  antenna_left_deg: 'ant L°',
  antenna_right_deg: 'ant R°',
};

const EXAMPLE_YAML = `max_steps: 50
control_period_s: 0.2
target: { kind: websocket, url: "ws://127.0.0.1:8766/" }
hardware: { kind: reachy_mini, config: { device_id: reachy-mini-1, hz: 20 } }
cameras: { front: { kind: reachy, max_edge: 320 } }
`;

function Counter({ label, value, testId, warn }: { label: string; value: number | string; testId: string; warn?: boolean }) {
  return (
    <div style={{ display: 'flex', flexDirection: 'column', minWidth: 72 }}>
      <span className="muted small">{label}</span>
      <strong data-testid={testId} style={{ fontSize: 20, color: warn ? 'var(--warn)' : undefined }}>
        {value}
      </strong>
    </div>
  );
}

function ChunkTable({ chunk, layout }: { chunk: number[][]; layout: string[] }) {
  const cols = chunk[0]?.length ?? 0;
  const names = cols === layout.length ? layout.map((n) => LAYOUT_SHORT[n] ?? n) : Array.from({ length: cols }, (_, i) => `a${i}`);
  return (
    <div style={{ overflowX: 'auto' }}>
      <table data-testid="runner-last-chunk" className="small" style={{ borderCollapse: 'collapse', fontVariantNumeric: 'tabular-nums' }}>
        <thead>
          <tr>
            <th className="muted" style={{ textAlign: 'left', paddingRight: 8 }}>#</th>
            {names.map((n) => (
              <th key={n} className="muted" style={{ textAlign: 'right', padding: '0 6px' }}>
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {chunk.slice(0, 12).map((row, i) => (
            <tr key={i}>
              <td className="muted">{i}</td>
              {row.map((v, j) => (
                <td key={j} style={{ textAlign: 'right', padding: '0 6px' }}>
                  {Number.isFinite(v) ? v.toFixed(1) : String(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {chunk.length > 12 ? <div className="muted small">… {chunk.length - 12} more rows</div> : null}
    </div>
  );
}

function isChunk(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
}

export default function RunnerPanel() {
  const api = useConsoleApi();
  const selected = useSelectedDeviceId();
  const deviceId = selected ?? 'reachy-mini-1';
  const [status, setStatus] = useState<RunnerStatus | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [f, setF] = useState<Form>({
    mode: 'dry_run',
    policy: 'demo',
    demoTransport: 'websocket',
    url: 'ws://127.0.0.1:8766/',
    yaml: EXAMPLE_YAML,
    camera: true,
    maxSteps: '0',
    controlPeriodS: '0.2',
    hz: '20',
    maxChunkAgeS: '2',
    stopOnError: false,
  });
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((p) => ({ ...p, [k]: v }));

  useEffect(() => {
    let alive = true;
    api.runnerStatus({}).then(
      (s) => alive && setStatus(s),
      () => undefined,
    );
    const off = api.onPush((p) => {
      if (p.type === 'runner_heartbeat') setStatus(p.heartbeat);
    });
    return () => {
      alive = false;
      off();
    };
  }, [api]);

  const running = status?.running ?? false;

  const start = async () => {
    setFormError(null);
    const num = (s: string, name: string): number => {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number`);
      return n;
    };
    let input: RunnerOptionsInput & { yaml?: string };
    try {
      if (f.policy === 'yaml') {
        input = { yaml: f.yaml, mode: f.mode };
      } else {
        input = {
          mode: f.mode,
          deviceId,
          camera: f.camera,
          maxSteps: num(f.maxSteps, 'max steps'),
          controlPeriodS: num(f.controlPeriodS, 'control period'),
          hz: num(f.hz, 'apply rate'),
          maxChunkAgeS: num(f.maxChunkAgeS, 'max chunk age'),
          stopOnError: f.stopOnError,
          policy: f.policy === 'demo' ? { kind: 'demo', transport: f.demoTransport } : { kind: f.policy, url: f.url.trim() },
        };
      }
    } catch (err) {
      setFormError(errorMessage(err));
      return;
    }
    const s = await runAction('Starting the policy', () => api.runnerStart(input));
    if (s) setStatus(s);
  };

  const stop = async () => {
    const s = await runAction('Stopping the policy', () => api.runnerStop({}));
    if (s) setStatus(s);
  };

  const chunk = isChunk(status?.lastActionChunk) ? status.lastActionChunk : null;

  return (
    <div className="runner-panel" data-testid="runner-panel">
      <div className="row">
        <span className="muted small">mode</span>
        <label>
          <input type="radio" name="runner-mode" checked={f.mode === 'dry_run'} onChange={() => set('mode', 'dry_run')} disabled={running} data-testid="runner-mode-dry" /> dry run (nothing applied)
        </label>
        <label>
          <input type="radio" name="runner-mode" checked={f.mode === 'apply_actions'} onChange={() => set('mode', 'apply_actions')} disabled={running} data-testid="runner-mode-apply" /> apply actions (robot moves)
        </label>
      </div>
      <div className="row">
        <label className="field">
          <span>policy</span>
          <select value={f.policy} onChange={(e) => set('policy', e.target.value as PolicyChoice)} disabled={running} data-testid="runner-policy">
            <option value="demo">built-in demo (look at the brightest / moving thing)</option>
            <option value="websocket">websocket server (JSON)</option>
            <option value="openpi">openpi server</option>
            <option value="http">HTTP server (POST /act)</option>
            <option value="yaml">robot.yaml (paste)</option>
          </select>
        </label>
        {f.policy === 'demo' ? (
          <label className="field">
            <span>transport</span>
            <select value={f.demoTransport} onChange={(e) => set('demoTransport', e.target.value as Form['demoTransport'])} disabled={running}>
              <option value="websocket">websocket</option>
              <option value="openpi">openpi</option>
              <option value="http">http</option>
            </select>
          </label>
        ) : null}
        {f.policy === 'websocket' || f.policy === 'openpi' || f.policy === 'http' ? (
          <label className="field" style={{ flex: 1, minWidth: 220 }}>
            <span>server URL</span>
            <input value={f.url} onChange={(e) => set('url', e.target.value)} disabled={running} placeholder={f.policy === 'http' ? 'http://host:8000' : 'ws://host:8766/'} data-testid="runner-url" />
          </label>
        ) : null}
      </div>
      {f.policy === 'yaml' ? (
        <label className="field" style={{ marginTop: 8 }}>
          <span>robot.yaml (built-in kinds only; the mode switch above overrides its mode)</span>
          <textarea value={f.yaml} onChange={(e) => set('yaml', e.target.value)} rows={7} spellCheck={false} disabled={running} style={{ fontFamily: 'monospace' }} data-testid="runner-yaml" />
        </label>
      ) : (
        <div className="row">
          <label className="field">
            <span>max steps (0 = until stopped)</span>
            <input type="number" min={0} value={f.maxSteps} onChange={(e) => set('maxSteps', e.target.value)} disabled={running} style={{ width: 90 }} data-testid="runner-max-steps" />
          </label>
          <label className="field">
            <span>control period (s)</span>
            <input type="number" min={0} step={0.05} value={f.controlPeriodS} onChange={(e) => set('controlPeriodS', e.target.value)} disabled={running} style={{ width: 90 }} data-testid="runner-period" />
          </label>
          <label className="field">
            <span>apply rate (rows/s)</span>
            <input type="number" min={1} max={60} value={f.hz} onChange={(e) => set('hz', e.target.value)} disabled={running} style={{ width: 70 }} />
          </label>
          <label className="field">
            <span>max chunk age (s, 0 = never drop)</span>
            <input type="number" min={0} step={0.5} value={f.maxChunkAgeS} onChange={(e) => set('maxChunkAgeS', e.target.value)} disabled={running} style={{ width: 70 }} data-testid="runner-max-age" />
          </label>
          <label>
            <input type="checkbox" checked={f.camera} onChange={(e) => set('camera', e.target.checked)} disabled={running} /> camera
          </label>
          <label>
            <input type="checkbox" checked={f.stopOnError} onChange={(e) => set('stopOnError', e.target.checked)} disabled={running} /> stop on first error
          </label>
        </div>
      )}
      {formError ? <div className="small" style={{ color: 'var(--warn)' }}>{formError}</div> : null}
      <div className="row">
        <button className="btn btn-primary" onClick={() => void start()} disabled={running} data-testid="runner-start">
          Start
        </button>
        <button className="btn btn-warn" onClick={() => void stop()} disabled={!running} data-testid="runner-stop">
          Stop
        </button>
        <span className="small muted" data-testid="runner-state">
          {running
            ? `running · ${status?.mode === 'apply_actions' ? 'applying actions' : 'dry run'} · ${status?.deviceId ?? deviceId}${status?.transport ? ` · ${status.transport}` : ''}`
            : status?.endReason
              ? `stopped (${status.endReason.replace(/_/g, ' ')})`
              : 'idle'}
        </span>
      </div>
      <div className="row" style={{ gap: 16 }}>
        <Counter label="steps" value={status?.steps ?? 0} testId="runner-steps" />
        <Counter label="applied" value={status?.applied_steps ?? 0} testId="runner-applied" />
        <Counter label="safe stops" value={status?.safe_stops ?? 0} testId="runner-safe-stops" warn={(status?.safe_stops ?? 0) > 0} />
        <Counter label="errors" value={status?.errors ?? 0} testId="runner-errors" warn={(status?.errors ?? 0) > 0} />
        <Counter label="stale" value={status?.stale_chunks ?? 0} testId="runner-stale" />
        <Counter label="rate (Hz)" value={status?.rate_hz !== undefined ? status.rate_hz.toFixed(1) : '–'} testId="runner-rate" />
      </div>
      <div style={{ marginTop: 8 }}>
        <div className="muted small">last action chunk</div>
        {chunk ? <ChunkTable chunk={chunk} layout={status?.actionLayout ?? []} /> : <div className="muted small">none yet</div>}
      </div>
      {status?.note ? <div className="small muted" data-testid="runner-note">{status.note}</div> : null}
      {status?.lastError ? (
        <div className="small" style={{ marginTop: 8 }} data-testid="runner-last-error">
          <span className="muted">last error: </span>
          <span style={{ color: 'var(--warn)' }}>{status.lastError}</span>
        </div>
      ) : null}
    </div>
  );
}
