/**
 * Live WebRTC video of the selected robot. The panel asks the driver for its stream access hints
 * (get_media_stream_access → signalling URL and producer), then consumes the webrtcsink protocol directly from the
 * browser (the robot's ws://<robot>:8443, or the simulator's signalling server). The URL can be edited.
 */
import { errorMessage } from '../../shared/errors';
import { settleInvoke } from '../../shared/console-api';
import { useEffect, useRef, useState } from 'react';
import { useConsoleApi, useSelectedDeviceId, useSnapshot } from '../hooks';
import { outcomeOf, type Outcome } from '../teleop';
import { WebrtcConsumer, type ConsumerStatus } from './media/webrtc-consumer';

interface StreamAccess {
  signaling_url?: string;
  producer_name?: string;
  note?: string;
}

export default function VideoPanel() {
  const api = useConsoleApi();
  const deviceId = useSelectedDeviceId();
  const videoRef = useRef<HTMLVideoElement>(null);
  const consumerRef = useRef<WebrtcConsumer | null>(null);
  const [url, setUrl] = useState('');
  const [producer, setProducer] = useState('reachymini');
  const [hint, setHint] = useState<string | null>(null);
  const [status, setStatus] = useState<ConsumerStatus>({ state: 'stopped', detail: 'not connected' });
  const [wanted, setWanted] = useState(true);
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const snap = useSnapshot();
  const [look, setLook] = useState<Outcome | null>(null);

  /** Click to look there: the clicked pixel of the frame (letterboxing removed) goes to the driver's look_at_image. */
  const lookAt = (e: React.MouseEvent<HTMLVideoElement>): void => {
    const v = e.currentTarget;
    if (!deviceId || !v.videoWidth || !v.videoHeight) {
      setLook({ kind: 'refused', text: !deviceId ? 'no robot selected' : 'no video frame to aim at yet' });
      return;
    }
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const u = (e.clientX - r.left - (r.width - v.videoWidth * scale) / 2) / scale;
    const y = (e.clientY - r.top - (r.height - v.videoHeight * scale) / 2) / scale;
    if (u < 0 || y < 0 || u > v.videoWidth || y > v.videoHeight) return;
    const params = { u: Math.round(u), v: Math.round(y), width: v.videoWidth, owner: snap?.operatorOwner ?? 'operator' };
    setLook({ kind: 'accepted', text: `looking at (${params.u}, ${params.v})…` });
    void settleInvoke(api.invoke({ deviceId, fn: 'look_at_image', params })).then((o) => setLook(outcomeOf('look_at_image', o)));
  };

  // Whether the URL came from the driver (refreshed when the link is lost) or was typed by the operator.
  const [autoUrl, setAutoUrl] = useState(true);
  const lost = status.state === 'retrying' || status.state === 'waiting';

  // Ask the driver where its video is: once per selected device, and again every few seconds while the stream is
  // lost (a restarted simulator listens on a new port).
  useEffect(() => {
    if (!deviceId || !autoUrl) return;
    let cancelled = false;
    const ask = (): void => {
      void api
        .invoke({ deviceId, fn: 'get_media_stream_access', params: {} })
        .then((out) => {
          if (cancelled) return;
          const webrtc = ((out.result as { backends?: { webrtc?: StreamAccess } }).backends?.webrtc ?? {}) as StreamAccess;
          if (webrtc.signaling_url) setUrl(webrtc.signaling_url);
          if (webrtc.producer_name) setProducer(webrtc.producer_name);
          setHint(webrtc.note ?? null);
        })
        .catch((err: unknown) => !cancelled && setHint(`get_media_stream_access failed: ${errorMessage(err)}`));
    };
    setHint('asking the driver for stream access…');
    ask();
    const t = lost ? setInterval(ask, 3000) : null;
    return () => {
      cancelled = true;
      if (t) clearInterval(t);
    };
  }, [api, deviceId, autoUrl, lost]);

  // (Re)connect whenever the URL or producer changes while wanted.
  useEffect(() => {
    if (!wanted || !url) return;
    const c = new WebrtcConsumer({
      url,
      producerName: producer,
      onStatus: setStatus,
      onStream: (stream) => {
        const v = videoRef.current;
        if (!v) return;
        v.srcObject = stream;
        if (stream) void v.play().catch(() => undefined);
        else setSize(null);
      },
    });
    consumerRef.current = c;
    c.start();
    return () => {
      c.stop();
      consumerRef.current = null;
    };
  }, [url, producer, wanted]);

  useEffect(() => {
    const v = videoRef.current;
    if (!v) return;
    const update = (): void => setSize(v.videoWidth > 0 ? { w: v.videoWidth, h: v.videoHeight } : null);
    v.addEventListener('resize', update);
    v.addEventListener('loadedmetadata', update);
    return () => {
      v.removeEventListener('resize', update);
      v.removeEventListener('loadedmetadata', update);
    };
  }, []);

  const [draft, setDraft] = useState('');
  useEffect(() => setDraft(url), [url]);

  return (
    <div className="video-panel" data-testid="video-panel">
      <video
        ref={videoRef}
        data-testid="video-panel-video"
        autoPlay
        muted
        playsInline
        style={{ width: '100%', aspectRatio: '16 / 9', background: '#000', borderRadius: 6, display: 'block', cursor: 'crosshair' }}
        title="click to look there"
        onClick={lookAt}
      />
      {look ? (
        <div className={`small ${look.kind === 'accepted' ? 'muted' : 'err'}`} data-testid="video-look-status" role="status">
          {look.kind}: {look.text}
        </div>
      ) : null}
      <div className="row">
        <span className={`chip chip-${status.state === 'playing' ? 'good' : status.state === 'retrying' ? 'bad' : status.state === 'stopped' ? 'idle' : 'warn'}`} data-testid="video-status" data-state={status.state}>
          {status.state}
        </span>
        <span className="muted">{status.detail}</span>
        {size ? <span className="muted" data-testid="video-size">{`${size.w}×${size.h}`}</span> : null}
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAutoUrl(draft.trim() === url && autoUrl);
          setUrl(draft.trim());
          setWanted(true);
        }}
      >
        <input
          aria-label="signalling URL"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="ws://reachy-mini.local:8443"
          style={{ flex: 1, minWidth: 180 }}
        />
        <button className="btn" type="submit" disabled={!/^wss?:\/\/\S+$/.test(draft.trim())}>
          Connect
        </button>
        <button className="btn" type="button" onClick={() => setWanted(false)} disabled={!wanted}>
          Disconnect
        </button>
      </form>
      {hint ? <div className="muted" style={{ marginTop: 6 }}>{hint}</div> : null}
      <div className="muted" style={{ marginTop: 4, fontSize: 11 }}>producer “{producer}” · GStreamer webrtcsink signalling</div>
    </div>
  );
}
