/**
 * Media of the selected robot, all through ConsoleApi.invoke → the driver's media functions: a live audio level
 * meter (detect_audio_activity), motion magnitude (detect_motion), capture-and-show a frame (capture_video_frame)
 * and the stream access hints (get_media_stream_access with an optional signalling probe).
 */
import { errorMessage } from '../../shared/errors';
import { useEffect, useRef, useState } from 'react';
import { runAction, useConsoleApi, useSelectedDeviceId } from '../hooks';
import { fmt } from '../components/Panel';

interface AudioReading {
  rms: number;
  threshold: number;
  state: string;
}
interface MotionReading {
  magnitude: number;
  threshold: number;
  state: string;
}
interface Frame {
  src: string;
  width: number;
  height: number;
  bytes: number;
  elapsedMs: number;
  encoding: string;
}

type Reply = Record<string, unknown>;

/** Level meter on a log scale: 1e-3 (silence) … 1 (full scale). */
function Meter({ value, threshold, testid, log }: { value: number; threshold: number; testid: string; log?: boolean }) {
  const scale = (v: number): number => (log ? Math.max(0, Math.min(1, (Math.log10(Math.max(v, 1e-3)) + 3) / 3)) : Math.max(0, Math.min(1, v)));
  const active = value >= threshold;
  return (
    <div style={{ position: 'relative', height: 12, background: '#1b2028', borderRadius: 4, overflow: 'hidden', flex: 1, minWidth: 120 }} data-testid={testid} data-value={value}>
      <div style={{ width: `${scale(value) * 100}%`, height: '100%', background: active ? '#51cf66' : '#4dabf7', transition: 'width 120ms linear' }} />
      <div style={{ position: 'absolute', left: `${scale(threshold) * 100}%`, top: 0, bottom: 0, width: 2, background: '#ffd43b' }} title={`threshold ${threshold}`} />
    </div>
  );
}

export default function MediaPanel() {
  const api = useConsoleApi();
  const deviceId = useSelectedDeviceId();
  const [live, setLive] = useState(true);
  const [audio, setAudio] = useState<AudioReading | null>(null);
  const [motion, setMotion] = useState<MotionReading | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [frame, setFrame] = useState<Frame | null>(null);
  const [encoding, setEncoding] = useState<'jpeg' | 'thumbnail'>('jpeg');
  const [access, setAccess] = useState<Reply | null>(null);
  const busy = useRef(false);

  // Polling: the driver's detectors run only when called (docs/PRIOR-ART.md §B.3), so the live view polls them.
  useEffect(() => {
    if (!deviceId || !live) return;
    let stopped = false;
    let tick = 0;
    const poll = async (): Promise<void> => {
      if (busy.current) return;
      busy.current = true;
      try {
        const a = await api.invoke({ deviceId, fn: 'detect_audio_activity', params: { threshold: 0.05, duration_ms: 120 } });
        if (stopped) return;
        const ar = a.result as Reply;
        if (ar.status !== 'success') return setProblem(`audio: ${String(ar.status)} — ${String(ar.reason ?? '')}`);
        const ev = ar.event as AudioReading;
        setAudio({ rms: ev.rms, threshold: ev.threshold, state: ev.state });
        if (tick++ % 4 === 0) {
          const m = await api.invoke({ deviceId, fn: 'detect_motion', params: { threshold: 0.02 } });
          if (stopped) return;
          const mr = m.result as Reply;
          if (mr.status !== 'success') return setProblem(`motion: ${String(mr.status)} — ${String(mr.reason ?? '')}`);
          const mev = mr.event as MotionReading;
          setMotion({ magnitude: mev.magnitude, threshold: mev.threshold, state: mev.state });
        }
        setProblem(null);
      } catch (err) {
        // The console may be between meshes or drivers; say so instead of throwing in the page.
        if (!stopped) setProblem(errorMessage(err));
      } finally {
        busy.current = false;
      }
    };
    // 2 Hz audio, motion every 4th poll (full frames are compared on the driver: keep it light).
    const t = setInterval(() => void poll(), 500);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [api, deviceId, live]);

  const capture = (): void => {
    if (!deviceId) return;
    void runAction('Capturing a frame', async () => {
      const out = await api.invoke({ deviceId, fn: 'capture_video_frame', params: { encoding } });
      const r = out.result as Reply;
      if (r.status !== 'success') throw new Error(`capture_video_frame: ${String(r.status)} — ${String(r.reason ?? '')}`);
      setFrame({
        src: `data:image/jpeg;base64,${String(r.data_b64)}`,
        width: Number(r.width),
        height: Number(r.height),
        bytes: Number(r.rpc_json_bytes),
        elapsedMs: out.elapsedMs,
        encoding: String(r.encoding),
      });
    });
  };

  const loadAccess = (probe: boolean): void => {
    if (!deviceId) return;
    void runAction(probe ? 'Probing the signalling server' : 'Reading stream access', async () => {
      const out = await api.invoke({ deviceId, fn: 'get_media_stream_access', params: { probe_signaling: probe } });
      setAccess(out.result as Reply);
    });
  };

  const playChime = (): void => {
    if (!deviceId) return;
    void runAction('Playing chime.wav', async () => {
      await api.invoke({ deviceId, fn: 'play_audio_file', params: { sound_file: 'chime.wav' } });
    });
  };

  if (!deviceId) return <div className="empty">Select a robot in the fleet panel.</div>;
  const webrtc = (access?.backends as { webrtc?: Reply } | undefined)?.webrtc;
  const probe = webrtc?.probe as { ok?: boolean; producer_found?: boolean; error?: string } | undefined;

  return (
    <div data-testid="media-panel">
      <div className="row" style={{ marginTop: 0 }}>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> live detection
        </label>
        {problem ? <span className="muted" data-testid="media-problem">{problem}</span> : null}
      </div>
      <dl className="kv" style={{ marginTop: 8 }}>
        <dt>audio</dt>
        <dd>
          <Meter value={audio?.rms ?? 0} threshold={audio?.threshold ?? 0.05} testid="audio-meter" log />
          <span style={{ minWidth: 90 }} data-testid="audio-state">
            {audio ? `${audio.state} ${fmt(audio.rms, 3)}` : '—'}
          </span>
        </dd>
        <dt>motion</dt>
        <dd>
          <Meter value={motion?.magnitude ?? 0} threshold={motion?.threshold ?? 0.02} testid="motion-meter" />
          <span style={{ minWidth: 90 }} data-testid="motion-state">
            {motion ? `${motion.state} ${fmt(motion.magnitude * 100, 1, '%')}` : '—'}
          </span>
        </dd>
      </dl>
      <div className="row">
        <select aria-label="encoding" value={encoding} onChange={(e) => setEncoding(e.target.value as 'jpeg' | 'thumbnail')}>
          <option value="jpeg">jpeg (640 px)</option>
          <option value="thumbnail">thumbnail (320 px)</option>
        </select>
        <button className="btn btn-primary" onClick={capture} data-testid="capture-frame">
          Capture frame
        </button>
        <button className="btn" onClick={playChime}>
          Play chime
        </button>
        <button className="btn" onClick={() => loadAccess(false)}>
          Stream access
        </button>
        <button className="btn" onClick={() => loadAccess(true)}>
          Probe signalling
        </button>
      </div>
      {frame ? (
        <figure style={{ margin: '8px 0 0' }}>
          <img src={frame.src} alt="captured camera frame" data-testid="captured-frame" style={{ maxWidth: '100%', borderRadius: 4, display: 'block' }} />
          <figcaption className="muted">{`${frame.encoding} ${frame.width}×${frame.height}, ${(frame.bytes / 1024).toFixed(0)} kB reply, ${frame.elapsedMs.toFixed(0)} ms`}</figcaption>
        </figure>
      ) : null}
      {access ? (
        <dl className="kv" style={{ marginTop: 8 }} data-testid="stream-access">
          <dt>signalling</dt>
          <dd>{String(webrtc?.signaling_url ?? '—')}</dd>
          <dt>producer</dt>
          <dd>
            {String(webrtc?.producer_name ?? '—')}
            {probe ? <span className={`chip chip-${probe.producer_found ? 'good' : 'bad'}`}>{probe.producer_found ? 'listed' : `not found${probe.error ? `: ${probe.error}` : ''}`}</span> : null}
          </dd>
          <dt>daemon API</dt>
          <dd>{String(access.daemon_api_url ?? '—')}</dd>
          <dt>source</dt>
          <dd>{String(access.media_source ?? '—')}</dd>
        </dl>
      ) : null}
    </div>
  );
}
