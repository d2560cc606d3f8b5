/**
 * Every panel the cockpit can dock, by id. A panel owned by another area joins by adding ONE line here (its import
 * and its entry); presets name panels by these ids, and a saved layout that names an id no longer here falls back
 * to its preset.
 */
import type { ComponentType } from 'react';
import { Panel } from '../components/Panel';
import { FleetPanel } from '../panels/FleetPanel';
import { RobotPanel } from '../panels/RobotPanel';
import { ImuPanel } from '../panels/ImuPanel';
import { OwnershipPanel } from '../panels/OwnershipPanel';
import { ControlsPanel } from '../panels/ControlsPanel';
import { FunctionExplorer } from '../panels/FunctionExplorer';
import { EventsPanel } from '../panels/EventsPanel';
import { LogsPanel } from '../panels/LogsPanel';
import { SettingsPanel } from '../panels/SettingsPanel';
import VideoPanel from '../panels/VideoPanel';
import MediaPanel from '../panels/MediaPanel';
import PanoramaPanel from '../panels/PanoramaPanel';
import RunnerPanel from '../panels/RunnerPanel';
import McpPanel from '../panels/McpPanel';
import AgentsPanel from '../panels/AgentsPanel';
import RecordPanel from '../panels/RecordPanel';
import { Robot3DPanel } from '../panels/Robot3DPanel';

export interface PanelDef {
  title: string;
  component: ComponentType;
}

/** Panels that draw only their body get the common frame (title, test id) here. */
function framed(name: string, title: string, C: ComponentType): ComponentType {
  const Framed = () => (
    <Panel name={name} title={title}>
      <C />
    </Panel>
  );
  Framed.displayName = `Framed(${name})`;
  return Framed;
}

export const PANELS = {
  robot3d: { title: '3D robot', component: Robot3DPanel },
  video: { title: 'Video', component: framed('video', 'Video', VideoPanel) },
  controls: { title: 'Teleop', component: ControlsPanel },
  fleet: { title: 'Fleet', component: FleetPanel },
  robot: { title: 'Pose', component: RobotPanel },
  imu: { title: 'IMU', component: ImuPanel },
  ownership: { title: 'Ownership', component: OwnershipPanel },
  explorer: { title: 'Functions', component: FunctionExplorer },
  events: { title: 'Events', component: EventsPanel },
  logs: { title: 'Logs', component: LogsPanel },
  settings: { title: 'Settings', component: SettingsPanel },
  media: { title: 'Media', component: framed('media', 'Media', MediaPanel) },
  panorama: { title: 'Panorama', component: framed('panorama', 'Panorama', PanoramaPanel) },
  runner: { title: 'Policy runner', component: framed('runner', 'Policy runner', RunnerPanel) },
  mcp: { title: 'MCP', component: framed('mcp', 'MCP', McpPanel) },
  agents: { title: 'Agents', component: framed('agents', 'Agents', AgentsPanel) },
  record: { title: 'Record / replay', component: framed('record', 'Record / replay', RecordPanel) },
} satisfies Record<string, PanelDef>;

export type PanelId = keyof typeof PANELS;

export function isPanelId(id: string): id is PanelId {
  return Object.prototype.hasOwnProperty.call(PANELS, id);
}
