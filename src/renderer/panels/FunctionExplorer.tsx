import { useEffect, useMemo, useState } from 'react';
import { Empty, Panel } from '../components/Panel';
import { JsonView } from '../components/JsonView';
import { SchemaForm, initialValues, toParams } from '../components/SchemaForm';
import { runAction, useConsoleApi, useDevices, useSelectedDeviceId } from '../hooks';
import { settleInvoke, type InvokeOutcome } from '../../shared/console-api';

export function FunctionExplorer() {
  const api = useConsoleApi();
  const devices = useDevices();
  const selected = useSelectedDeviceId();
  const [deviceId, setDeviceId] = useState<string>('');
  const [fnName, setFnName] = useState<string>('');
  const [filter, setFilter] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [result, setResult] = useState<InvokeOutcome | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  // The device list is refreshed every few seconds; with a large fleet, rebuilding thousands of <option>s each time
  // costs the page a long task. Same ids → the same elements, which React skips.
  const idsKey = useMemo(() => devices.map((d) => d.device_id).join('\n'), [devices]);
  const options = useMemo(
    () =>
      idsKey
        .split('\n')
        .filter(Boolean)
        .map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        )),
    [idsKey],
  );
  const effectiveDevice = deviceId || selected || devices[0]?.device_id || '';
  const device = devices.find((d) => d.device_id === effectiveDevice);
  const fns = useMemo(() => (device?.functions ?? []).filter((f) => f.name.includes(filter)).sort((a, b) => a.name.localeCompare(b.name)), [device, filter]);
  const fn = device?.functions.find((f) => f.name === fnName);

  useEffect(() => {
    if (fn) setValues(initialValues(fn.parameters));
    setResult(null);
    setFormError(null);
  }, [fn?.name, effectiveDevice]);

  const invoke = async (): Promise<void> => {
    if (!fn || !device) return;
    const p = toParams(fn.parameters, values);
    if ('error' in p) {
      setFormError(p.error);
      return;
    }
    setFormError(null);
    setRunning(true);
    const o = await runAction(`${fn.name} on ${device.device_id}`, () => settleInvoke(api.invoke({ deviceId: device.device_id, fn: fn.name, params: p.params, timeoutMs: 30_000 })));
    setRunning(false);
    if (o) setResult(o);
  };

  return (
    <Panel name="explorer" title="Function explorer" wide>
      {devices.length === 0 ? (
        <Empty>No devices on the mesh.</Empty>
      ) : (
        <div className="explorer">
          <div className="explorer-list">
            <select value={effectiveDevice} onChange={(e) => { setDeviceId(e.target.value); setFnName(''); }} data-testid="explorer-device" aria-label="device">
              {options}
            </select>
            <input type="search" placeholder="filter functions" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter functions" />
            <ul data-testid="explorer-functions">
              {fns.map((f) => (
                <li key={f.name}>
                  <button className={`fn${f.name === fnName ? ' selected' : ''}`} onClick={() => setFnName(f.name)} data-testid={`fn-${f.name}`} title={f.description}>
                    {f.name}
                  </button>
                </li>
              ))}
              {fns.length === 0 ? <li className="muted small">no functions</li> : null}
            </ul>
          </div>
          <div className="explorer-detail">
            {!fn ? (
              <Empty>Pick a function to call it.</Empty>
            ) : (
              <>
                <h3 className="mono">{fn.name}</h3>
                <p className="muted small">{fn.description}</p>
                <SchemaForm schema={fn.parameters} values={values} onChange={setValues} />
                <div className="row">
                  <button className="btn btn-primary" onClick={() => void invoke()} disabled={running} data-testid="explorer-invoke">
                    {running ? 'Calling…' : 'Invoke'}
                  </button>
                  {formError ? <span className="err small">{formError}</span> : null}
                </div>
                {result ? (
                  <div data-testid="explorer-result" className={result.ok ? '' : 'err'}>
                    <div className="muted small">
                      {result.ok ? 'ok' : `error (${result.error.code})`} · {result.elapsedMs.toFixed(0)} ms
                    </div>
                    {result.ok ? <JsonView value={result.result} /> : <pre>{result.error.message}</pre>}
                  </div>
                ) : null}
              </>
            )}
          </div>
        </div>
      )}
    </Panel>
  );
}
