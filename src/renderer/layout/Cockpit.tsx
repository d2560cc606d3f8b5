/**
 * The dockable cockpit: panels from the registry in a dockview layout that fills the window. Tabs can be dragged
 * into other groups or split off, dividers resized, panels closed and reopened from the "+ panel" menu. The user's
 * arrangement is saved on every change and survives a reload; "Reset" goes back to the chosen preset.
 */
import { Activity, useCallback, useEffect, useMemo, useRef, useState, type FunctionComponent } from 'react';
import { DockviewReact, themeDark, type DockviewApi, type DockviewReadyEvent, type IDockviewPanelProps } from 'dockview-react';
import 'dockview-react/dist/styles/dockview.css';
import { PANELS, isPanelId, type PanelId } from './registry';
import { DIAGNOSTICS_SHORTCUT, exportDiagnostics } from '../diagnostics';
import { LAYOUT_KEY, PRESET_NAMES, PRESETS, loadSavedLayout, panelIdsOf, saveLayout, type PresetName } from './presets';

const components: Record<string, FunctionComponent<IDockviewPanelProps>> = Object.fromEntries(
  (Object.keys(PANELS) as PanelId[]).map((id) => {
    const C = PANELS[id].component;
    // A panel behind another tab is out of the page but stays mounted: <Activity hidden> keeps its state and stops
    // its effects (timers, polls, animation loops, store subscriptions) until its tab is shown again.
    const Docked: FunctionComponent<IDockviewPanelProps> = ({ api }) => {
      const [visible, setVisible] = useState(api.isVisible);
      useEffect(() => {
        setVisible(api.isVisible);
        const sub = api.onDidVisibilityChange((e) => setVisible(e.isVisible));
        return () => sub.dispose();
      }, [api]);
      return (
        <Activity mode={visible ? 'visible' : 'hidden'}>
          <div className="dock-panel" data-dock-panel={id}>
            <C />
          </div>
        </Activity>
      );
    };
    Docked.displayName = `Docked(${id})`;
    return [id, Docked];
  }),
);

function applyPreset(api: DockviewApi, name: PresetName): void {
  api.clear();
  const w = api.width || window.innerWidth;
  const h = api.height || window.innerHeight;
  for (const p of PRESETS[name]) {
    api.addPanel({
      id: p.id,
      component: p.id,
      title: PANELS[p.id].title,
      ...(p.ref ? { position: { referencePanel: p.ref, direction: p.dir ?? 'within' } } : {}),
      inactive: p.dir === 'within',
    });
  }
  // A resize takes its room from the neighbours, so the shares are set once every group exists, a few passes over
  // so that each settles.
  for (let pass = 0; pass < 3; pass++) {
    for (const p of PRESETS[name]) {
      const group = api.getPanel(p.id)?.group;
      if (!group) continue;
      if (p.w) group.api.setSize({ width: Math.round(w * p.w) });
      if (p.h) group.api.setSize({ height: Math.round(h * p.h) });
    }
  }
}

export function Cockpit() {
  const apiRef = useRef<DockviewApi | null>(null);
  const saved = useMemo(() => loadSavedLayout(window.localStorage), []);
  const [preset, setPreset] = useState<PresetName>(saved?.preset ?? 'Drive');
  const presetRef = useRef(preset);
  presetRef.current = preset;
  const [open, setOpen] = useState<string[]>([]);
  const restoring = useRef(false);

  const persist = useCallback(() => {
    const api = apiRef.current;
    if (!api || restoring.current) return;
    saveLayout(window.localStorage, { preset: presetRef.current, layout: api.toJSON() });
    setOpen(api.panels.map((p) => p.id));
  }, []);

  const onReady = useCallback(
    (e: DockviewReadyEvent) => {
      apiRef.current = e.api;
      restoring.current = true;
      let restored = false;
      if (saved?.layout && panelIdsOf(saved.layout).every(isPanelId)) {
        try {
          e.api.fromJSON(saved.layout as Parameters<DockviewApi['fromJSON']>[0]);
          restored = e.api.panels.length > 0;
        } catch {
          restored = false;
        }
      }
      if (!restored) applyPreset(e.api, saved?.preset ?? 'Drive');
      restoring.current = false;
      setOpen(e.api.panels.map((p) => p.id));
      e.api.onDidLayoutChange(persist);
    },
    [saved, persist],
  );

  const choose = (name: PresetName): void => {
    const api = apiRef.current;
    if (!api) return;
    setPreset(name);
    presetRef.current = name;
    restoring.current = true;
    applyPreset(api, name);
    restoring.current = false;
    persist();
  };

  const reset = (): void => {
    window.localStorage.removeItem(LAYOUT_KEY);
    choose(presetRef.current);
  };

  const reopen = (id: string): void => {
    const api = apiRef.current;
    if (!api || !isPanelId(id)) return;
    const existing = api.getPanel(id);
    if (existing) existing.api.setActive();
    else api.addPanel({ id, component: id, title: PANELS[id].title, floating: false, position: { direction: 'right' } });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey && e.shiftKey && (e.key === 'D' || e.key === 'd')) {
        e.preventDefault();
        void exportDiagnostics();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const closed = (Object.keys(PANELS) as PanelId[]).filter((id) => !open.includes(id));
  return (
    <div className="cockpit">
      <div className="layout-bar" data-testid="layout-bar">
        <span className="muted small">Layout</span>
        {PRESET_NAMES.map((n) => (
          <button key={n} className={`btn btn-tab${n === preset ? ' active' : ''}`} data-testid={`preset-${n}`} onClick={() => choose(n)} aria-pressed={n === preset}>
            {n}
          </button>
        ))}
        <button className="btn" data-testid="layout-reset" onClick={reset} title="Forget my changes and restore the preset">
          Reset
        </button>
        <span className="layout-bar-gap" />
        <button className="btn" data-testid="diagnostics" onClick={() => void exportDiagnostics()} title={`Save a diagnostics file for a bug report (credentials redacted) — ${DIAGNOSTICS_SHORTCUT}`}>
          Diagnostics…
        </button>
        <select
          data-testid="layout-add"
          value=""
          onChange={(e) => reopen(e.target.value)}
          aria-label="Open a panel"
          disabled={closed.length === 0}
        >
          <option value="">{closed.length ? '+ panel…' : 'all panels open'}</option>
          {closed.map((id) => (
            <option key={id} value={id}>
              {PANELS[id].title}
            </option>
          ))}
        </select>
      </div>
      <div className="dock-host">
        <DockviewReact components={components} onReady={onReady} theme={themeDark} />
      </div>
    </div>
  );
}
