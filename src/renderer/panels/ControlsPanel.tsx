import { useEffect, useRef, useState } from 'react';
import { Empty, Panel } from '../components/Panel';
import { runAction, useConsoleApi, useSelectedDeviceId, useSnapshot } from '../hooks';
import { LIMITS } from '../../shared/reachy';
import type { InvokeOutcome } from '../../shared/console-api';
import { errorText } from '../api/client';
import { driverCall, type DriverCall } from '../../shared/driver-functions';

type Sliders = { pitch: number; roll: number; yaw: number; z: number; body: number; left: number; right: number };
const ZERO: Sliders = { pitch: 0, roll: 0, yaw: 0, z: 0, body: 0, left: 0, right: 0 };

/** Sends the latest value at most every `ms`; intermediate slider positions are coalesced, never queued. */
function useThrottled(send: (call: DriverCall) => void, ms = 50) {
  const latest = useRef<Map<string, DriverCall>>(new Map());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return (call: DriverCall) => {
    latest.current.set(call.fn, call);
    if (timer.current) return;
    const flush = (): void => {
      timer.current = null;
      const batch = [...latest.current.entries()];
      latest.current.clear();
      for (const [, c] of batch) send(c);
    };
    flush();
    timer.current = setTimeout(() => {
      if (latest.current.size) flush();
      else timer.current = null;
    }, ms);
  };
}

function Slider({ label, name, value, min, max, unit, onChange }: { label: string; name: string; value: number; min: number; max: number; unit: string; onChange: (v: number) => void }) {
  return (
    <label className="slider">
      <span>{label}</span>
      <input type="range" min={min} max={max} step={1} value={value} data-testid={`slider-${name}`} aria-label={label} onChange={(e) => onChange(Number(e.target.value))} />
      <span className="mono">{value.toFixed(0)}{unit}</span>
    </label>
  );
}

export function ControlsPanel() {
  const api = useConsoleApi();
  const id = useSelectedDeviceId();
  const snap = useSnapshot();
  const owner = snap?.operatorOwner ?? 'operator';
  const [v, setV] = useState<Sliders>(ZERO);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  const send = ({ fn, params }: DriverCall): void => {
    if (!id) return;
    api.invoke({ deviceId: id, fn, params: { ...params, owner } }).then(
      (o: InvokeOutcome) => setStatus(o.ok ? { ok: true, text: `${fn} accepted (${o.elapsedMs.toFixed(0)} ms)` } : { ok: false, text: `${fn} refused: ${o.error.message}` }),
      (err: unknown) => setStatus({ ok: false, text: `${fn} failed: ${errorText(err)}` }),
    );
  };
  const throttled = useThrottled(send);

  const update = (patch: Partial<Sliders>): void => {
    const next = { ...v, ...patch };
    setV(next);
    if ('pitch' in patch || 'roll' in patch || 'yaw' in patch || 'z' in patch) {
      throttled(driverCall('look_at_world', { pitch: next.pitch, roll: next.roll, yaw: next.yaw, z_mm: next.z, duration_s: 0 }));
    }
    if ('body' in patch) throttled(driverCall('set_body_yaw', { yaw_deg: next.body, duration_s: 0 }));
    if ('left' in patch || 'right' in patch) throttled(driverCall('antenna_pose', { left: next.left, right: next.right, duration_s: 0 }));
  };

  const once = async (label: string, { fn, params }: DriverCall): Promise<void> => {
    if (!id) return;
    const o = await runAction(label, () => api.invoke({ deviceId: id, fn, params: { ...params, owner }, timeoutMs: 20_000 }));
    if (o) setStatus(o.ok ? { ok: true, text: `${fn} done (${(o.elapsedMs / 1000).toFixed(1)} s)` } : { ok: false, text: `${fn} refused: ${o.error.message}` });
  };

  return (
    <Panel name="controls" title="Controls">
      {!id ? (
        <Empty>Pick a robot in the fleet panel.</Empty>
      ) : (
        <>
          <Slider label="pitch" name="pitch" value={v.pitch} min={LIMITS.headPitchDeg.min} max={LIMITS.headPitchDeg.max} unit="°" onChange={(x) => update({ pitch: x })} />
          <Slider label="roll" name="roll" value={v.roll} min={LIMITS.headRollDeg.min} max={LIMITS.headRollDeg.max} unit="°" onChange={(x) => update({ roll: x })} />
          <Slider label="head yaw" name="yaw" value={v.yaw} min={LIMITS.headYawDeg.min} max={LIMITS.headYawDeg.max} unit="°" onChange={(x) => update({ yaw: x })} />
          <Slider label="height" name="z" value={v.z} min={-20} max={20} unit=" mm" onChange={(x) => update({ z: x })} />
          <Slider label="body yaw" name="body" value={v.body} min={LIMITS.bodyYawDeg.min} max={LIMITS.bodyYawDeg.max} unit="°" onChange={(x) => update({ body: x })} />
          <Slider label="antenna L" name="left" value={v.left} min={LIMITS.antennaDeg.min} max={LIMITS.antennaDeg.max} unit="°" onChange={(x) => update({ left: x })} />
          <Slider label="antenna R" name="right" value={v.right} min={LIMITS.antennaDeg.min} max={LIMITS.antennaDeg.max} unit="°" onChange={(x) => update({ right: x })} />
          <div className="row">
            <button className="btn" data-testid="wake" onClick={() => void once('Wake up', driverCall('wake_up', {}))}>Wake up</button>
            <button className="btn" data-testid="sleep" onClick={() => void once('Go to sleep', driverCall('goto_sleep', {}))}>Sleep</button>
            <button className="btn" onClick={() => { setV(ZERO); void once('Home', driverCall('look_at_world', { pitch: 0, roll: 0, yaw: 0, duration_s: 1 })); }}>Home</button>
            <button className="btn" data-testid="stop" onClick={() => void once('Stop', driverCall('stop_motion', {}))}>Stop</button>
          </div>
          <div data-testid="control-status" className={`small ${status ? (status.ok ? 'muted' : 'err') : 'muted'}`}>
            {status?.text ?? `commands are sent as owner "${owner}"`}
          </div>
        </>
      )}
    </Panel>
  );
}
