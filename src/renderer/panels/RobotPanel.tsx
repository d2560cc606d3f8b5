import { memo } from 'react';
import { Empty, LiveData, Panel, fmt } from '../components/Panel';
import { READOUT_MS, useDeviceStateEvery, useSelectedDeviceId, useStreamFreshness } from '../hooks';
import type { RobotView } from '../robot-state';

const DEG = Math.PI / 180;

/** Seen from above: x forward is up, y left is left. Positive yaw turns left (counter-clockwise on screen). */
const TopView = memo(function TopView({ bodyYaw, headYaw, hx, hy, antennas }: { bodyYaw: number; headYaw: number; hx: number; hy: number; antennas: [number, number] }) {
  const s = 0.9; // px per mm
  const cx = 100, cy = 100;
  const headX = cx - hy * s, headY = cy - hx * s;
  return (
    <svg viewBox="0 0 200 200" className="robot-svg" data-testid="robot-top" role="img" aria-label={`top view: body yaw ${bodyYaw.toFixed(0)}°, head yaw ${headYaw.toFixed(0)}°`}>
      <circle cx={cx} cy={cy} r={88} className="svg-ring" />
      {[0, 90, 180, 270].map((a) => (
        <line key={a} x1={cx} y1={cy - 80} x2={cx} y2={cy - 88} className="svg-tick" transform={`rotate(${a} ${cx} ${cy})`} />
      ))}
      <g transform={`rotate(${-bodyYaw} ${cx} ${cy})`}>
        <circle cx={cx} cy={cy} r={62} className="svg-body" />
        <path d={`M ${cx} ${cy - 62} l -8 12 l 16 0 z`} className="svg-body-mark" />
      </g>
      <g transform={`rotate(${-headYaw} ${headX} ${headY})`}>
        <line x1={headX} y1={headY} x2={headX} y2={headY - 78} className="svg-gaze" />
        <ellipse cx={headX} cy={headY} rx={34} ry={26} className="svg-head" />
        <circle cx={headX - 12} cy={headY - 20} r={5} className="svg-eye" />
        <circle cx={headX + 12} cy={headY - 20} r={5} className="svg-eye" />
        <line x1={headX - 20} y1={headY + 4} x2={headX - 20 - 22 * Math.cos(antennas[1] * DEG)} y2={headY + 4 - 22 * Math.sin(antennas[1] * DEG)} className="svg-antenna" />
        <line x1={headX + 20} y1={headY + 4} x2={headX + 20 + 22 * Math.cos(antennas[0] * DEG)} y2={headY + 4 - 22 * Math.sin(antennas[0] * DEG)} className="svg-antenna" />
      </g>
    </svg>
  );
});

/** Seen from the robot's right: x forward is right, z up is up. Positive pitch = nose down (clockwise here). */
const SideView = memo(function SideView({ pitch, hx, hz }: { pitch: number; hx: number; hz: number }) {
  const s = 0.9;
  const hcx = 100 + hx * s, hcy = 78 - hz * s;
  return (
    <svg viewBox="0 0 200 200" className="robot-svg" data-testid="robot-side" role="img" aria-label={`side view: pitch ${pitch.toFixed(0)}°`}>
      <line x1={10} y1={185} x2={190} y2={185} className="svg-tick" />
      <path d="M 60 185 L 70 110 L 130 110 L 140 185 Z" className="svg-body" />
      <line x1={100} y1={110} x2={hcx} y2={hcy + 20} className="svg-neck" />
      <g transform={`rotate(${pitch} ${hcx} ${hcy})`}>
        <line x1={hcx} y1={hcy} x2={hcx + 85} y2={hcy} className="svg-gaze" />
        <rect x={hcx - 34} y={hcy - 24} width={68} height={48} rx={22} className="svg-head" />
        <circle cx={hcx + 28} cy={hcy - 4} r={6} className="svg-eye" />
      </g>
    </svg>
  );
});

function Readouts({ v }: { v: RobotView }) {
  const h = v.head;
  return (
    <table className="readouts" data-testid="robot-readouts">
      <tbody>
        <tr>
          <th>head roll / pitch / yaw</th>
          <td data-testid="head-rpy">
            {fmt(h?.roll)}° / {fmt(h?.pitch)}° / {fmt(h?.yaw)}°
          </td>
        </tr>
        <tr>
          <th>head x / y / z</th>
          <td>
            {fmt(h?.x)} / {fmt(h?.y)} / {fmt(h?.z)} mm
          </td>
        </tr>
        <tr>
          <th>body yaw</th>
          <td data-testid="body-yaw">{fmt(v.bodyYawDeg)}°</td>
        </tr>
        <tr>
          <th>antennas R / L</th>
          <td>
            {fmt(v.antennasDeg?.[0])}° / {fmt(v.antennasDeg?.[1])}°
          </td>
        </tr>
        <tr>
          <th>joints</th>
          <td data-testid="joints" className="mono">
            {v.jointsDeg ? v.jointsDeg.map((j) => j.toFixed(1)).join('  ') : '—'}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

export function RobotPanel() {
  const id = useSelectedDeviceId();
  const v = useDeviceStateEvery(id, READOUT_MS);
  const live = useStreamFreshness(id, { observed: true });
  return (
    <Panel name="robot" title={`Robot${id ? ` · ${id}` : ''}`} live={id ? live : undefined}>
      {!v ? (
        <Empty>{id ? 'Waiting for live state from the robot…' : 'Pick a robot in the fleet panel.'}</Empty>
      ) : (
        <LiveData f={live}>
          <div className="robot-views">
            <figure>
              <TopView bodyYaw={v.bodyYawDeg ?? 0} headYaw={v.head?.yaw ?? 0} hx={v.head?.x ?? 0} hy={v.head?.y ?? 0} antennas={v.antennasDeg ?? [0, 0]} />
              <figcaption>top</figcaption>
            </figure>
            <figure>
              <SideView pitch={v.head?.pitch ?? 0} hx={v.head?.x ?? 0} hz={v.head?.z ?? 0} />
              <figcaption>side</figcaption>
            </figure>
          </div>
          <Readouts v={v} />
        </LiveData>
      )}
    </Panel>
  );
}
