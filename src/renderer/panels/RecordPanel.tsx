/**
 * Record and replay. Record: the console's mesh into an MCAP file (elapsed time, size and rate while it runs).
 * Replay: open a recording and drive the same panels (3D robot, IMU, events) from it with a timeline — play/pause,
 * speed, scrub — plus its camera frames and invoke log here. Replay only reads the file; it never sends anything
 * to a robot, and live data is held back while it plays.
 */
import { useState } from 'react';
import { runAction, useConsoleApi, usePolled } from '../hooks';
import type { FoxgloveStatus, RecordStatus } from '../../shared/console-api/record';
import { closeReplay, openReplay, seek, setPlaying, setSpeed, useReplay } from '../replay';

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${bytes} B`;
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

function Recorder({ onStopped }: { onStopped: () => void }) {
  const api = useConsoleApi();
  const [status, setStatus] = usePolled<RecordStatus>(() => api.recordStatus({}), 500);
  const recording = status?.recording ?? false;
  return (
    <div className="record-controls" data-testid="record-controls">
      {recording ? (
        <button
          className="btn"
          data-testid="record-stop"
          onClick={() =>
            void runAction('Stop recording', async () => {
              setStatus(await api.recordStop({}));
              onStopped();
            })
          }
        >
          ■ Stop
        </button>
      ) : (
        <button className="btn" data-testid="record-start" onClick={() => void runAction('Start recording', async () => setStatus(await api.recordStart({ videoFps: 5 })))}>
          ● Record
        </button>
      )}
      <span data-testid="record-stats" className="mono">
        {recording ? '● ' : ''}
        {clock(status?.elapsedS ?? 0)} · {size(status?.bytes ?? 0)} · {size(status?.rateBps ?? 0)}/s
      </span>
      {status?.failure && (
        <div className="error" data-testid="record-failure">
          Recording stopped: {status.failure}
        </div>
      )}
      <RecordingsList recordings={status?.recordings ?? []} />
    </div>
  );
}

function RecordingsList({ recordings }: { recordings: RecordStatus['recordings'] }) {
  if (recordings.length === 0) return <div className="muted">No recordings yet.</div>;
  return (
    <ul className="recordings" data-testid="recordings">
      {recordings.slice(0, 20).map((r) => (
        <li key={r.name}>
          <span className="mono">{r.name}</span> <span className="muted">{size(r.bytes)}</span>{' '}
          <button className="btn" data-testid="replay-open" onClick={() => void runAction(`Open ${r.name}`, () => openReplay(r.name))}>
            Replay
          </button>
        </li>
      ))}
    </ul>
  );
}

function Player() {
  const { info, t, playing, speed, frame, invokes, error } = useReplay();
  if (!info) return null;
  const span = Math.max(1, info.endMs - info.startMs);
  return (
    <div className="replay" data-testid="replay">
      <div className="replay-head">
        <strong>Replaying {info.name}</strong> <span className="muted">(live data paused; nothing is sent to a robot)</span>{' '}
        <button className="btn" data-testid="replay-close" onClick={() => closeReplay()}>
          Back to live
        </button>
      </div>
      <div className="replay-timeline">
        <button className="btn" data-testid="replay-play" onClick={() => setPlaying(!playing)}>
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <input
          type="range"
          data-testid="replay-scrub"
          min={0}
          max={span}
          step={10}
          value={Math.round(t - info.startMs)}
          onChange={(e) => void seek(info.startMs + Number(e.target.value))}
          aria-label="replay position"
          style={{ flex: 1 }}
        />
        <span className="mono" data-testid="replay-time">
          {clock((t - info.startMs) / 1000)} / {clock(span / 1000)}
        </span>
        <select data-testid="replay-speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label="replay speed">
          {[0.25, 0.5, 1, 2, 4].map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </div>
      {error && <div className="error">{error}</div>}
      {frame ? (
        <img data-testid="replay-frame" data-t={Math.round(frame.t)} src={frame.dataUrl} alt={`camera of ${frame.deviceId}`} style={{ maxWidth: '100%' }} />
      ) : (
        <div className="muted">No camera frames in this recording.</div>
      )}
      <table className="replay-invokes" data-testid="replay-invokes">
        <tbody>
          {invokes.slice(-15).map((i, k) => (
            <tr key={`${i.t}-${k}`}>
              <td className="mono">{clock((i.t - info.startMs) / 1000)}</td>
              <td>{i.caller}</td>
              <td className="mono">{i.fn}</td>
              <td>{i.ok ? 'ok' : `failed: ${i.error ?? ''}`}</td>
              <td className="mono">{i.durationMs.toFixed(1)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The live Foxglove bridge: Foxglove Studio connects to the URL shown and sees the same channels, live. */
function FoxgloveToggle() {
  const api = useConsoleApi();
  const [fox, setFox] = usePolled<FoxgloveStatus>(() => api.foxgloveStatus({}), 2000);
  return (
    <div className="record-controls" data-testid="foxglove-controls">
      {fox?.running ? (
        <button className="btn" data-testid="foxglove-stop" onClick={() => void runAction('Stop Foxglove bridge', async () => setFox(await api.foxgloveStop({})))}>
          Stop Foxglove
        </button>
      ) : (
        <button
          className="btn"
          data-testid="foxglove-start"
          title="Serve the mesh live to Foxglove Studio (read-only, this machine only)"
          onClick={() => void runAction('Start Foxglove bridge', async () => setFox(await api.foxgloveStart({ port: 8767 })))}
        >
          Serve to Foxglove
        </button>
      )}
      <span data-testid="foxglove-status" className="mono">
        {fox?.running ? `live on ${fox.url} · ${fox.clients} client${fox.clients === 1 ? '' : 's'}` : fox?.error ? `not running: ${fox.error}` : 'Foxglove bridge off'}
      </span>
    </div>
  );
}

export default function RecordPanel() {
  const [, bump] = useState(0);
  return (
    <div data-testid="record-panel">
      <Recorder onStopped={() => bump((n) => n + 1)} />
      <FoxgloveToggle />
      <Player />
    </div>
  );
}
