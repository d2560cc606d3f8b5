/**
 * The cockpit's layout presets and the saved user layout. A preset is a list of placements applied in order (each
 * panel placed relative to one placed before it), so it stays readable and does not depend on the layout library's
 * serialised format. The user's own arrangement is the library's JSON, saved per browser profile in localStorage and
 * dropped (back to the preset) when it cannot be restored.
 */
import type { PanelId } from './registry';

export type Direction = 'right' | 'left' | 'below' | 'above' | 'within';

export interface Placement {
  id: PanelId;
  /** Placed relative to this panel; the first placement has none. */
  ref?: PanelId;
  dir?: Direction;
  /** Share of the window's width / height the panel's group gets. */
  w?: number;
  h?: number;
}

export const PRESET_NAMES = ['Drive', 'Panorama', 'Agent', 'Debug'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

// The robot and the camera always open side by side at the top: the operator's first look is the robot itself.
export const PRESETS: Record<PresetName, Placement[]> = {
  Drive: [
    { id: 'robot3d', w: 0.4, h: 0.62 },
    { id: 'controls', ref: 'robot3d', dir: 'right', w: 0.24 },
    { id: 'fleet', ref: 'controls', dir: 'below', h: 0.3 },
    { id: 'video', ref: 'robot3d', dir: 'right', w: 0.36 },
    { id: 'robot', ref: 'robot3d', dir: 'below', h: 0.36 },
    { id: 'imu', ref: 'robot', dir: 'within' },
    { id: 'ownership', ref: 'robot', dir: 'within' },
    { id: 'events', ref: 'video', dir: 'below', h: 0.36 },
    { id: 'logs', ref: 'events', dir: 'within' },
    { id: 'media', ref: 'events', dir: 'within' },
    { id: 'record', ref: 'events', dir: 'within' },
  ],
  Panorama: [
    { id: 'panorama', w: 0.64, h: 0.72 },
    { id: 'video', ref: 'panorama', dir: 'right', w: 0.36 },
    { id: 'robot3d', ref: 'video', dir: 'below', h: 0.5 },
    { id: 'controls', ref: 'robot3d', dir: 'within' },
    { id: 'events', ref: 'panorama', dir: 'below', h: 0.25 },
    { id: 'logs', ref: 'events', dir: 'within' },
  ],
  Agent: [
    { id: 'robot3d', w: 0.34, h: 0.6 },
    { id: 'video', ref: 'robot3d', dir: 'right', w: 0.33 },
    { id: 'agents', ref: 'video', dir: 'right', w: 0.33 },
    { id: 'mcp', ref: 'agents', dir: 'within' },
    { id: 'runner', ref: 'mcp', dir: 'within' },
    { id: 'ownership', ref: 'robot3d', dir: 'below', h: 0.4 },
    { id: 'events', ref: 'video', dir: 'below', h: 0.4 },
    { id: 'logs', ref: 'agents', dir: 'below', h: 0.4 },
  ],
  // Everything at once, nothing hidden behind a tab: for checking the whole console in one look.
  Debug: [
    { id: 'robot3d', w: 0.25, h: 0.4 },
    { id: 'controls', ref: 'robot3d', dir: 'right', w: 0.25 },
    { id: 'explorer', ref: 'controls', dir: 'right', w: 0.27 },
    { id: 'settings', ref: 'explorer', dir: 'right', w: 0.23 },
    { id: 'robot', ref: 'robot3d', dir: 'below', h: 0.3 },
    { id: 'imu', ref: 'robot', dir: 'below', h: 0.3 },
    { id: 'ownership', ref: 'controls', dir: 'below', h: 0.35 },
    { id: 'fleet', ref: 'ownership', dir: 'below', h: 0.25 },
    { id: 'events', ref: 'explorer', dir: 'below', h: 0.5 },
    { id: 'logs', ref: 'settings', dir: 'below', h: 0.5 },
    { id: 'video', ref: 'explorer', dir: 'within' },
    { id: 'record', ref: 'logs', dir: 'within' },
  ],
};

export const LAYOUT_KEY = 'reachy-console.layout.v1';

export interface SavedLayout {
  preset: PresetName;
  /** The layout library's own JSON of the user's arrangement; null = the preset as designed. */
  layout: unknown;
}

/** Reads the saved layout; anything unreadable counts as none (the app then opens the Drive preset). */
export function loadSavedLayout(storage: Pick<Storage, 'getItem'>): SavedLayout | null {
  try {
    const raw = storage.getItem(LAYOUT_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as { preset?: unknown; layout?: unknown };
    const preset = PRESET_NAMES.find((p) => p === v.preset);
    if (!preset) return null;
    return { preset, layout: v.layout ?? null };
  } catch {
    return null;
  }
}

export function saveLayout(storage: Pick<Storage, 'setItem'>, s: SavedLayout): void {
  try {
    storage.setItem(LAYOUT_KEY, JSON.stringify(s));
  } catch {
    // Storage full or disabled: the layout simply is not remembered.
  }
}

/** Ids a saved layout names, so one naming a panel this build does not have is not restored half-empty. */
export function panelIdsOf(layout: unknown): string[] {
  const panels = (layout as { panels?: unknown } | null)?.panels;
  return panels && typeof panels === 'object' ? Object.keys(panels) : [];
}
