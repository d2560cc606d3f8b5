import { useRef } from 'react';
import { Empty, LiveData, Panel, fmt } from '../components/Panel';
import { useDeviceState, useSelectedDeviceId, useStreamFreshness } from '../hooks';
import { Robot3D, type SceneInput } from '../robot3d/Robot3D';
import type { RobotView } from '../robot-state';
import type { DrawPose } from '../robot3d/model';

function drawPose(v: RobotView | null): DrawPose | null {
  if (!v?.head) return null;
  const j = v.jointsDeg;
  return {
    head: { ...v.head },
    bodyYawDeg: v.bodyYawDeg ?? 0,
    antennasDeg: v.antennasDeg ?? [0, 0],
    // head_joints_deg is [body_yaw, stewart_1..6]
    stewartDeg: j && j.length === 7 ? j.slice(1) : j && j.length === 6 ? j : null,
  };
}

/** The selected robot in 3D: observed pose live, the target as a ghost, the 65° head–body sector, the camera frustum. */
export function Robot3DPanel() {
  const id = useSelectedDeviceId();
  const v = useDeviceState(id);
  const live = useStreamFreshness(id, { observed: true });
  const input = useRef<SceneInput>({ pose: null, target: null, doaDeg: null });
  input.current = { pose: drawPose(v), target: v?.target ?? null, doaDeg: v?.doaDeg ?? null };
  return (
    <Panel name="robot3d" title={`3D · ${id ?? 'no robot'}`} live={id ? live : undefined}>
      {!id ? (
        <Empty>Pick a robot in the fleet panel.</Empty>
      ) : (
        <LiveData f={live}>
          <div className="robot3d" data-testid="robot3d">
            <Robot3D input={input} seq={v?.receivedAt ?? 0} />
            <div className="robot3d-legend small mono" data-testid="robot3d-legend">
              head yaw {fmt(v?.head?.yaw, 0, '°')} · pitch {fmt(v?.head?.pitch, 0, '°')} · body {fmt(v?.bodyYawDeg, 0, '°')}
              {v?.doaDeg !== null && v?.doaDeg !== undefined ? <span data-testid="robot3d-doa">{` · sound from ${fmt(v.doaDeg, 0, '°')}${v.speech ? ' (speech)' : ''}`}</span> : ''}
              <span className="muted"> · drag to orbit, wheel to zoom · ghost = target · amber = ±65° head–body range · green arrow = sound</span>
            </div>
          </div>
        </LiveData>
      )}
    </Panel>
  );
}
