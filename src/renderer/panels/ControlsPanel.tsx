/**
 * Teleoperation that follows the robot: every slider shows the target it sends and the value the robot reports,
 * snaps back to the observed value when its command is refused or fails (the reason stays next to it), and is
 * disabled with the reason when no command can work. Also a drag-to-look pad, keyboard teleop (focus the panel),
 * a gamepad (stick = look, shoulders = body, B = stop) and Home in a safe order.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { Empty, Panel, fmt } from '../components/Panel';
import { READOUT_MS, runAction, useConsoleApi, useDeviceStateEvery, useSelectedDeviceId, useSnapshot, useStreamFreshness } from '../hooks';
import { LIMITS } from '../../shared/reachy';
import { settleInvoke } from '../../shared/console-api';
import { driverCall, type DriverCall } from '../../shared/driver-functions';
import type { RobotView } from '../robot-state';
import { controlBlock, type Outcome, outcomeOf } from '../teleop';

type Key = 'pitch' | 'roll' | 'yaw' | 'z' | 'body' | 'left' | 'right';
type Sliders = Record<Key, number>;
const ZERO: Sliders = { pitch: 0, roll: 0, yaw: 0, z: 0, body: 0, left: 0, right: 0 };
const HEAD_KEYS: Key[] = ['pitch', 'roll', 'yaw', 'z'];
const FN_KEYS: Record<string, Key[]> = { look_at_world: HEAD_KEYS, set_body_yaw: ['body'], antenna_pose: ['left', 'right'] };

function observedOf(v: RobotView | null): Partial<Sliders> {
  if (!v) return {};
  const o: Partial<Sliders> = {};
  if (v.head) Object.assign(o, { pitch: v.head.pitch, roll: v.head.roll, yaw: v.head.yaw, z: v.head.z });
  if (v.bodyYawDeg !== null) o.body = v.bodyYawDeg;
  if (v.antennasDeg) Object.assign(o, { right: v.antennasDeg[0], left: v.antennasDeg[1] });
  return o;
}

/** Sends the latest value at most every `ms`; intermediate positions are coalesced, never queued. */
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

function Slider(props: { label: string; name: Key; value: number; observed: number | undefined; min: number; max: number; unit: string; disabled: string | null; outcome: Outcome | null; onChange: (v: number) => void }) {
  const { label, name, value, observed, min, max, unit, disabled, outcome, onChange } = props;
  const pct = observed === undefined ? null : ((Math.max(min, Math.min(max, observed)) - min) / (max - min)) * 100;
  const bad = outcome && outcome.kind !== 'accepted';
  return (
    <div className="slider-row">
      <label className="slider" title={disabled ?? undefined}>
        <span>{label}</span>
        <span className="slider-track">
          <input type="range" min={min} max={max} step={1} value={value} disabled={!!disabled} data-testid={`slider-${name}`} aria-label={label} onChange={(e) => onChange(Number(e.target.value))} />
          {pct !== null ? <span className="obs-mark" style={{ left: `${pct}%` }} title={`observed ${fmt(observed, 1, unit)}`} /> : null}
        </span>
        <span className="mono small" data-testid={`value-${name}`} title="target / observed">
          {value.toFixed(0)}
          {unit} <span className="muted">/ {fmt(observed, 0, unit)}</span>
        </span>
      </label>
      {bad ? (
        <div className="slider-reason err small" data-testid={`reason-${name}`} role="alert">
          {outcome.kind}: {outcome.text}
        </div>
      ) : null}
    </div>
  );
}

/** Drag to look: left/right = head yaw, up/down = pitch (the full safe range across the pad). */
function LookPad({ yaw, pitch, disabled, onLook }: { yaw: number; pitch: number; disabled: string | null; onLook: (yaw: number, pitch: number) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef(false);
  const Y = LIMITS.headYawDeg, P = LIMITS.headPitchDeg;
  const at = (e: PointerEvent): void => {
    const r = ref.current?.getBoundingClientRect();
    if (!r) return;
    const fx = Math.max(0, Math.min(1, (e.clientX - r.left) / r.width));
    const fy = Math.max(0, Math.min(1, (e.clientY - r.top) / r.height));
    onLook(Math.round(Y.max - fx * (Y.max - Y.min)), Math.round(P.min + fy * (P.max - P.min)));
  };
  const x = Math.max(0, Math.min(100, ((Y.max - yaw) / (Y.max - Y.min)) * 100));
  const y = Math.max(0, Math.min(100, ((pitch - P.min) / (P.max - P.min)) * 100));
  return (
    <div
      ref={ref}
      className={`look-pad${disabled ? ' disabled' : ''}`}
      data-testid="look-pad"
      title={disabled ?? 'drag to look: left/right = head yaw, up/down = pitch'}
      onPointerDown={(e) => {
        if (disabled) return;
        drag.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        at(e);
      }}
      onPointerMove={(e) => drag.current && at(e)}
      onPointerUp={() => void (drag.current = false)}
    >
      <span className="look-dot" style={{ left: `${x}%`, top: `${y}%` }} />
    </div>
  );
}

export function ControlsPanel() {
  const api = useConsoleApi();
  const id = useSelectedDeviceId();
  const snap = useSnapshot();
  const view = useDeviceStateEvery(id, READOUT_MS);
  const live = useStreamFreshness(id);
  const owner = snap?.operatorOwner ?? 'operator';
  const [v, setV] = useState<Sliders>(ZERO);
  const vRef = useRef(v);
  vRef.current = v;
  const obs = observedOf(view);
  const obsRef = useRef(obs);
  obsRef.current = obs;
  const [outcomes, setOutcomes] = useState<Partial<Record<Key, Outcome>>>({});
  const [status, setStatus] = useState<Outcome | null>(null);
  const touched = useRef<Partial<Record<string, Key>>>({});

  const block = controlBlock({ deviceId: id, live, interlock: view?.interlock ?? null, interlockReason: view?.interlockReason ?? null });

  /** A refused or failed command puts its sliders back where the robot is, and the reason next to the one moved. */
  const settle = (fn: string, o: Outcome): void => {
    setStatus(o);
    const keys = FN_KEYS[fn];
    if (!keys) return;
    const shown = touched.current[fn] ?? keys[0];
    setOutcomes((prev) => ({ ...prev, ...Object.fromEntries(keys.map((k) => [k, k === shown ? o : null])) }));
    if (o.kind !== 'accepted') snapToObserved(keys);
  };

  /** Puts these sliders where the robot is (observed), so they never show a target the robot will not reach. */
  const snapToObserved = (keys: readonly Key[]): void =>
    setV((cur) => {
      const next = { ...cur };
      for (const k of keys) next[k] = Math.round(obsRef.current[k] ?? cur[k]);
      return next;
    });

  const send = ({ fn, params }: DriverCall): void => {
    if (!id) return;
    void settleInvoke(api.invoke({ deviceId: id, fn, params: { ...params, owner } })).then((o) => settle(fn, outcomeOf(fn, o)));
  };
  const throttled = useThrottled(send);
  const padThrottled = useThrottled(send, 1000 / LIMITS.realtimeMaxHz);

  const update = (patch: Partial<Sliders>, via = throttled): void => {
    const next = { ...vRef.current, ...patch };
    setV(next);
    vRef.current = next;
    const keys = Object.keys(patch) as Key[];
    if (keys.some((k) => HEAD_KEYS.includes(k))) {
      touched.current.look_at_world = keys.find((k) => HEAD_KEYS.includes(k));
      via(driverCall('look_at_world', { pitch: next.pitch, roll: next.roll, yaw: next.yaw, z_mm: next.z, duration_s: 0 }));
    }
    if ('body' in patch) via(driverCall('set_body_yaw', { yaw_deg: next.body, duration_s: 0 }));
    if ('left' in patch || 'right' in patch) {
      touched.current.antenna_pose = 'left' in patch ? 'left' : 'right';
      via(driverCall('antenna_pose', { left: next.left, right: next.right, duration_s: 0 }));
    }
  };

  const once = async (label: string, fn: string, params: Record<string, unknown> = {}): Promise<Outcome | null> => {
    if (!id) {
      setStatus({ kind: 'refused', text: `${label}: no robot selected` });
      return null;
    }
    const o = await runAction(label, () => settleInvoke(api.invoke({ deviceId: id, fn, params: { ...params, owner }, timeoutMs: 20_000 })));
    const out: Outcome = o ? outcomeOf(fn, o) : { kind: 'failed', text: `${fn} failed: see the error message` };
    setStatus(out);
    return out;
  };

  /** Head first (centred on the body, always inside the head–body range), then the body carries it home, then antennas. */
  const home = async (): Promise<void> => {
    const head = await once('Home: head', 'look_at_world', { pitch: 0, roll: 0, yaw: 0, frame: 'body', duration_s: 1, wait: true });
    if (head?.kind !== 'accepted') return;
    const body = await once('Home: body', 'set_body_yaw', { yaw_deg: 0, head: 'follow', duration_s: 1.5, wait: true });
    if (body?.kind !== 'accepted') return;
    const ant = await once('Home: antennas', 'antenna_pose', { left: 0, right: 0, duration_s: 0.5, wait: true });
    if (ant?.kind === 'accepted') {
      setV(ZERO);
      setStatus({ kind: 'accepted', text: 'Home: head, body and antennas home' });
    }
  };

  /** The driver holds the robot where it stopped: after the next readouts the sliders show that pose. */
  const stop = (): void =>
    void once('Stop', 'stop_motion').then((o) => {
      if (o?.kind === 'accepted') setTimeout(() => snapToObserved(Object.keys(ZERO) as Key[]), READOUT_MS * 2);
    });

  const onKey = (e: KeyboardEvent): void => {
    if (block.motion || (e.target as HTMLElement).tagName === 'INPUT') return;
    const c = vRef.current;
    const clampTo = (x: number, r: { min: number; max: number }): number => Math.max(r.min, Math.min(r.max, x));
    const act: Record<string, () => void> = {
      ArrowLeft: () => update({ yaw: clampTo(c.yaw + 5, LIMITS.headYawDeg) }),
      ArrowRight: () => update({ yaw: clampTo(c.yaw - 5, LIMITS.headYawDeg) }),
      ArrowUp: () => update({ pitch: clampTo(c.pitch - 5, LIMITS.headPitchDeg) }),
      ArrowDown: () => update({ pitch: clampTo(c.pitch + 5, LIMITS.headPitchDeg) }),
      q: () => update({ body: clampTo(c.body + 10, LIMITS.bodyYawDeg) }),
      e: () => update({ body: clampTo(c.body - 10, LIMITS.bodyYawDeg) }),
      h: () => void home(),
      ' ': stop,
    };
    const f = act[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  };

  // The stick is absolute (its position is the gaze) but only acts when it moves: a resting gamepad must not
  // hold the head against the sliders, the pad or the keyboard.
  const lastStick = useRef<string | null>(null);
  useGamepad(!block.motion, (g) => {
    const c = vRef.current;
    const dz = (a: number): number => (Math.abs(a) < 0.12 ? 0 : a);
    const yaw = Math.round(-dz(g.axes[0] ?? 0) * LIMITS.headYawDeg.max);
    const pitch = Math.round(dz(g.axes[1] ?? 0) * LIMITS.headPitchDeg.max);
    const key = `${yaw},${pitch}`;
    if (lastStick.current !== null && key !== lastStick.current) update({ yaw, pitch }, padThrottled);
    lastStick.current = key;
    const lb = g.buttons[4]?.pressed, rb = g.buttons[5]?.pressed;
    if (lb || rb) update({ body: Math.max(LIMITS.bodyYawDeg.min, Math.min(LIMITS.bodyYawDeg.max, c.body + (lb ? 1 : -1))) }, padThrottled);
  }, stop);

  const L = LIMITS;
  const slider = (label: string, name: Key, r: { min: number; max: number }, unit: string) => (
    <Slider label={label} name={name} value={v[name]} observed={obs[name]} min={r.min} max={r.max} unit={unit} disabled={block.motion} outcome={outcomes[name] ?? null} onChange={(x) => update({ [name]: x })} />
  );
  return (
    <Panel name="controls" title="Controls">
      {!id ? (
        <Empty>Pick a robot in the fleet panel.</Empty>
      ) : (
        <div className="teleop" tabIndex={0} onKeyDown={onKey} data-testid="teleop" aria-label="teleop: arrows look, Q/E turn the body, H home, space stop">
          {block.motion ? (
            <div className="blocked small" data-testid="controls-blocked" role="status">
              Controls disabled: {block.motion}
            </div>
          ) : null}
          {slider('pitch', 'pitch', L.headPitchDeg, '°')}
          {slider('roll', 'roll', L.headRollDeg, '°')}
          {slider('head yaw', 'yaw', L.headYawDeg, '°')}
          {slider('height', 'z', { min: -20, max: 20 }, ' mm')}
          {slider('body yaw', 'body', L.bodyYawDeg, '°')}
          {slider('antenna L', 'left', L.antennaDeg, '°')}
          {slider('antenna R', 'right', L.antennaDeg, '°')}
          <div className="teleop-row">
            <LookPad yaw={v.yaw} pitch={v.pitch} disabled={block.motion} onLook={(yaw, pitch) => update({ yaw, pitch }, padThrottled)} />
            <div className="small muted">
              drag to look · focus this panel: ←→ yaw, ↑↓ pitch, Q/E body, H home, space stop · gamepad: stick look, LB/RB body, B stop
            </div>
          </div>
          <div className="row">
            <button className="btn" data-testid="wake" disabled={!!block.any} title={block.any ?? undefined} onClick={() => void once('Wake up', 'wake_up')}>Wake up</button>
            <button className="btn" data-testid="sleep" disabled={!!block.any} title={block.any ?? undefined} onClick={() => void once('Go to sleep', 'goto_sleep')}>Sleep</button>
            <button className="btn" data-testid="home" disabled={!!block.motion} title={block.motion ?? 'head to the body centre, then body and head to 0, then antennas'} onClick={() => void home()}>Home</button>
            <button className="btn" data-testid="stop" onClick={stop} title="stop_motion: always sent, even when other controls are disabled">Stop</button>
          </div>
          <div data-testid="control-status" className={`small ${status && status.kind !== 'accepted' ? 'err' : 'muted'}`} role="status">
            {status ? `${status.kind}: ${status.text}` : `commands are sent as owner "${owner}"`}
          </div>
        </div>
      )}
    </Panel>
  );
}

/** Polls the first connected gamepad every animation frame while `enabled`; `onStop` fires on the B button's press. */
function useGamepad(enabled: boolean, onPad: (g: Gamepad) => void, onStop: () => void): void {
  const cb = useRef({ onPad, onStop });
  cb.current = { onPad, onStop };
  useEffect(() => {
    let raf = 0;
    let bWas = false;
    const poll = (): void => {
      const g = typeof navigator.getGamepads === 'function' ? navigator.getGamepads().find((x) => x && x.connected) : null;
      if (g) {
        const b = !!g.buttons[1]?.pressed;
        // The stop button works even when the other controls are disabled.
        if (b && !bWas) cb.current.onStop();
        bWas = b;
        if (enabled) cb.current.onPad(g);
      }
      raf = requestAnimationFrame(poll);
    };
    const start = (): void => {
      if (!raf) raf = requestAnimationFrame(poll);
    };
    window.addEventListener('gamepadconnected', start);
    if (typeof navigator.getGamepads === 'function' && navigator.getGamepads().some((x) => x && x.connected)) start();
    return () => {
      window.removeEventListener('gamepadconnected', start);
      cancelAnimationFrame(raf);
      raf = 0;
    };
  }, [enabled]);
}
