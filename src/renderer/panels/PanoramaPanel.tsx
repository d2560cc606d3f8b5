/**
 * Panorama panel: plan preview, start, live progress with thumbnails, cancel, result viewer and the output folder.
 * Talks only to the ConsoleApi panorama group (the scan itself runs in main through the mesh invoke path).
 */
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../shared/errors';
import { notify, runAction, useConsoleApi, useSelectedDeviceId } from '../hooks';
import type {
  PanoramaPlanSummary,
  PanoramaProgress,
  PanoramaResultInfo,
  PanoramaScanOptionsInput,
} from '../../shared/console-api/panorama';

interface Form {
  full360: boolean;
  bodyYawSteps: string;
  pitchSteps: string;
  yawSteps: string;
  maxEdge: string;
  settleS: string;
  alignHeadHome: boolean;
}

const DONE_PHASES = new Set(['done', 'cancelled', 'error']);

function toOptions(f: Form, deviceId: string): PanoramaScanOptionsInput {
  const n = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const o: PanoramaScanOptionsInput = {
    deviceId,
    full360: f.full360,
    bodyYawSteps: n(f.bodyYawSteps),
    pitchSteps: n(f.pitchSteps),
    yawSteps: n(f.yawSteps),
    maxEdge: n(f.maxEdge),
    settleS: n(f.settleS),
    alignHeadHome: f.alignHeadHome,
  };
  for (const k of Object.keys(o) as Array<keyof PanoramaScanOptionsInput>) if (o[k] === undefined) delete o[k];
  return o;
}

/** World yaw (x, wrapping) against pitch (y) of every planned pose. */
function PlanPicture({ plan }: { plan: PanoramaPlanSummary }) {
  const W = 360, H = 90;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} data-testid="panorama-plan-picture" role="img" aria-label="planned poses">
      <rect x={0} y={0} width={W} height={H} fill="#12161c" stroke="#333a46" />
      {plan.poses.map((p, i) => {
        const yaw = ((((p.bodyYawDeg + p.headYawDeg + 180) % 360) + 360) % 360) - 180;
        // Left of the picture = turned left (as a person at the robot sees the room turning right).
        const x = W / 2 - yaw;
        const y = H / 2 + (p.pitchDeg / 35) * (H / 2 - 6);
        return <circle key={i} cx={x} cy={y} r={3} fill="#4ea1e8" opacity={0.8} />;
      })}
    </svg>
  );
}

export default function PanoramaPanel() {
  const api = useConsoleApi();
  const selected = useSelectedDeviceId();
  const deviceId = selected ?? 'reachy-mini-1';
  const [form, setForm] = useState<Form>({ full360: true, bodyYawSteps: '', pitchSteps: '', yawSteps: '', maxEdge: '640', settleS: '0.5', alignHeadHome: true });
  const [plan, setPlan] = useState<PanoramaPlanSummary | null>(null);
  const [progress, setProgress] = useState<PanoramaProgress | null>(null);
  const [thumbs, setThumbs] = useState<string[]>([]);
  const [scanId, setScanId] = useState<string | null>(null);
  const [result, setResult] = useState<PanoramaResultInfo | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const scanRef = useRef<string | null>(null);

  const loadResult = async (id: string) => {
    try {
      setResult(await api.panoramaResult({ scanId: id }));
    } catch (err) {
      notify('error', `Panorama result: ${errorMessage(err)}`);
    }
  };

  useEffect(() => {
    let alive = true;
    api.panoramaStatus({}).then(
      (s) => {
        if (!alive) return;
        if (s.state === 'running' && s.scanId) {
          scanRef.current = s.scanId;
          setScanId(s.scanId);
          setProgress(s.progress ?? null);
        } else if (s.last) {
          setScanId(s.last.scanId);
          void loadResult(s.last.scanId);
        }
      },
      () => undefined,
    );
    const off = api.onPush((p) => {
      if (p.type !== 'panorama_progress') return;
      const pr = p.progress;
      if (pr.scanId && scanRef.current && pr.scanId !== scanRef.current) return;
      setProgress(pr);
      if (pr.thumbnail) setThumbs((t) => [...t.slice(-11), pr.thumbnail as string]);
      if (DONE_PHASES.has(pr.phase) && pr.scanId) void loadResult(pr.scanId);
    });
    return () => {
      alive = false;
      off();
    };
  }, [api]);

  const preview = async () => {
    setFormError(null);
    try {
      setPlan(await api.panoramaPlan(toOptions(form, deviceId)));
    } catch (err) {
      setPlan(null);
      setFormError(errorMessage(err));
    }
  };

  const start = async () => {
    setFormError(null);
    setResult(null);
    setThumbs([]);
    let failure: string | null = null;
    const r = await runAction('Start panorama scan', async () => {
      try {
        return await api.panoramaStart(toOptions(form, deviceId));
      } catch (err) {
        failure = errorMessage(err);
        throw err;
      }
    });
    if (failure) setFormError(failure);
    if (r) {
      scanRef.current = r.scanId;
      setScanId(r.scanId);
      setProgress({ done: 0, total: r.total, phase: 'starting', scanId: r.scanId });
    }
  };

  const cancel = () => void runAction('Cancel panorama scan', () => api.panoramaCancel({}));

  const openFolder = async () => {
    if (!result) return;
    try {
      const r = await api.panoramaOpenFolder({ scanId: result.scanId });
      notify('info', r.opened ? `Opened ${r.path}` : `Output folder (on the console host): ${r.path}`);
    } catch (err) {
      notify('error', `Open folder: ${errorMessage(err)}`);
    }
  };

  const running = progress !== null && !DONE_PHASES.has(progress.phase);
  const field = (key: keyof Form, label: string, placeholder = 'default') => (
    <label className="field">
      <span>{label}</span>
      <input
        data-testid={`panorama-${key}`}
        value={String(form[key])}
        placeholder={placeholder}
        inputMode="decimal"
        size={6}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        disabled={running}
      />
    </label>
  );

  return (
    <div className="panorama-panel" data-testid="panorama-panel">
      <div className="row" style={{ flexWrap: 'wrap', gap: 8, alignItems: 'flex-end' }}>
        <label className="field">
          <span>
            <input type="checkbox" data-testid="panorama-full360" checked={form.full360} disabled={running} onChange={(e) => setForm({ ...form, full360: e.target.checked })} />{' '}
            full 360°
          </span>
        </label>
        {field('bodyYawSteps', 'body steps')}
        {field('pitchSteps', 'pitch steps')}
        {field('yawSteps', 'head-yaw steps')}
        {field('maxEdge', 'frame px')}
        {field('settleS', 'settle s')}
        <label className="field">
          <span>
            <input type="checkbox" checked={form.alignHeadHome} disabled={running} onChange={(e) => setForm({ ...form, alignHeadHome: e.target.checked })} /> head home
          </span>
        </label>
      </div>
      <div className="row" style={{ gap: 8, marginTop: 8 }}>
        <button className="btn" data-testid="panorama-preview" onClick={() => void preview()} disabled={running}>
          Preview plan
        </button>
        <button className="btn btn-primary" data-testid="panorama-start" onClick={() => void start()} disabled={running}>
          Start scan
        </button>
        <button className="btn btn-warn" data-testid="panorama-cancel" onClick={cancel} disabled={!running}>
          Cancel
        </button>
        <span className="muted">device {deviceId}</span>
      </div>
      {formError && (
        <div className="err" data-testid="panorama-error" role="alert">
          {formError}
        </div>
      )}
      {plan && (
        <div data-testid="panorama-plan" style={{ marginTop: 8 }}>
          <div>
            {plan.frames} frames ({plan.bodyYaws.length} body × {plan.pitches.length} pitch × {plan.headYaws.length} head yaw), about{' '}
            {Math.round(plan.estimatedSeconds)} s; largest yaw gap {plan.coverage.largestGapDeg}°{plan.coverage.likelyFull360 ? ' (full circle)' : ''}
          </div>
          <PlanPicture plan={plan} />
          {plan.notes.map((n) => (
            <div className="muted" key={n}>
              {n}
            </div>
          ))}
        </div>
      )}
      {progress && (
        <div style={{ marginTop: 8 }} data-testid="panorama-progress">
          <progress max={Math.max(1, progress.total)} value={progress.done} style={{ width: '100%' }} data-testid="panorama-progress-bar" />
          <div className="mono" data-testid="panorama-progress-text">
            {progress.done}/{progress.total} {progress.phase}
            {progress.pose ? ` — body ${progress.pose.bodyYawDeg}°, pitch ${progress.pose.pitchDeg}°, head yaw ${progress.pose.headYawDeg}°` : ''}
            {progress.message ? ` — ${progress.message}` : ''}
          </div>
          <div className="row" style={{ gap: 4, overflowX: 'auto' }} data-testid="panorama-thumbs">
            {thumbs.map((t, i) => (
              <img key={i} src={t} alt={`frame ${i}`} height={54} />
            ))}
          </div>
        </div>
      )}
      {result && (
        <div style={{ marginTop: 8 }} data-testid="panorama-result">
          <div>
            <b>{result.status}</b>: {result.framesCaptured}/{result.framesPlanned} frames, {result.driftWarnings} drift warnings
            {result.error ? <span className="err"> — {result.error}</span> : null}
          </div>
          <div className="row" style={{ gap: 8, alignItems: 'center' }}>
            <span className="mono" data-testid="panorama-output-dir">
              {result.outputDir}
            </span>
            <button className="btn" data-testid="panorama-open-folder" onClick={() => void openFolder()}>
              Open folder
            </button>
          </div>
          {result.equirectPreview && <img data-testid="panorama-result-image" src={result.equirectPreview} alt="equirectangular panorama" style={{ width: '100%', marginTop: 6 }} />}
          {result.gridPreview && (
            <details>
              <summary>frame grid</summary>
              <img src={result.gridPreview} alt="frame grid" style={{ width: '100%' }} />
            </details>
          )}
        </div>
      )}
      {!progress && !result && !plan && <div className="muted">Preview a plan or start a scan. Outputs are written on the console host.</div>}
      {scanId && !result && !running && <div className="muted">scan {scanId}</div>}
    </div>
  );
}
