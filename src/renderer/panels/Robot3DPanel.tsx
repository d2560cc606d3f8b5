import { useCallback, useRef } from 'react';
import { Empty, LiveData, Panel, fmt } from '../components/Panel';
import { READOUT_MS, useDeviceStateEvery, useSelectedDeviceId, useStreamFreshness } from '../hooks';
import { useConsoleStore } from '../store';
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

const sceneInput = (v: RobotView | null): SceneInput => ({ pose: drawPose(v), target: v?.target ?? null, doaDeg: v?.doaDeg ?? null });

/**
 * The selected robot in 3D: observed pose live, the target as a ghost, the 65° head–body sector, the camera frustum.
 * The scene takes every sample straight from the store (no React render per sample, see docs/ARCHITECTURE.md); the
 * legend underneath is text and follows at READOUT_MS.
 */
export function Robot3DPanel() {
  const id = useSelectedDeviceId();
  const v = useDeviceStateEvery(id, READOUT_MS);
  const live = useStreamFreshness(id, { observed: true });
  const input = useRef<SceneInput>(sceneInput(null));
  const subscribe = useCallback(
    (onSample: () => void): (() => void) => {
      const read = (): RobotView | null => (id ? (useConsoleStore.getState().robots[id] ?? null) : null);
      input.current = sceneInput(read());
      onSample();
      return useConsoleStore.subscribe((s, prev) => {
        if (!id || s.robots[id] === prev.robots[id]) return;
        input.current = sceneInput(s.robots[id] ?? null);
        onSample();
      });
    },
    [id],
  );
  return (
    <Panel name="robot3d" title={`3D · ${id ?? 'no robot'}`} live={id ? live : undefined}>
      {!id ? (
        <Empty>Pick a robot in the fleet panel.</Empty>
      ) : (
        <LiveData f={live}>
          <div className="robot3d" data-testid="robot3d">
            <Robot3D input={input} subscribe={subscribe} />
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
