import { useEffect, useState } from 'react';
import { Panel } from '../components/Panel';
import { notify, runAction, useConsoleApi, useSnapshot } from '../hooks';
import { useConsoleStore } from '../store';
import type { MeshSettings, Settings } from '../../shared/console-api';

interface Form {
  kind: 'local' | 'nats';
  urls: string;
  credentialsFile: string;
  tenant: string;
  discoveryMode: 'd2d' | 'infra';
  allowInsecure: boolean;
  target: string;
  deviceId: string;
  stateHz: string;
}

function toForm(s: Settings | null): Form {
  const m = s?.mesh;
  return {
    kind: m?.kind ?? 'local',
    urls: m?.kind === 'nats' ? m.urls.join(', ') : 'nats://127.0.0.1:4222',
    credentialsFile: m?.kind === 'nats' ? (m.credentialsFile ?? '') : '',
    tenant: m?.kind === 'nats' ? m.tenant : 'default',
    discoveryMode: m?.kind === 'nats' ? m.discoveryMode : 'd2d',
    allowInsecure: m?.kind === 'nats' ? m.allowInsecure : false,
    target: s?.target ?? 'sim',
    deviceId: s?.deviceId ?? 'reachy-mini-1',
    stateHz: String(s?.stateHz ?? 20),
  };
}

function meshOf(f: Form): MeshSettings {
  if (f.kind === 'local') return { kind: 'local' };
  return {
    kind: 'nats',
    urls: f.urls.split(',').map((u) => u.trim()).filter(Boolean),
    ...(f.credentialsFile.trim() ? { credentialsFile: f.credentialsFile.trim() } : {}),
    tenant: f.tenant.trim() || 'default',
    discoveryMode: f.discoveryMode,
    allowInsecure: f.allowInsecure,
  };
}

export function SettingsPanel() {
  const api = useConsoleApi();
  const settings = useConsoleStore((s) => s.settings);
  const snap = useSnapshot();
  const [f, setF] = useState<Form>(() => toForm(settings));
  useEffect(() => setF(toForm(settings)), [settings]);
  const set = <K extends keyof Form>(k: K, v: Form[K]): void => setF((x) => ({ ...x, [k]: v }));

  const connect = (): void => {
    void runAction(f.kind === 'local' ? 'Connecting to the local mesh' : `Connecting to ${f.urls}`, async () => {
      await api.connectMesh(meshOf(f));
      notify('info', 'mesh connected');
    });
  };
  const save = (): void => {
    void runAction('Saving settings', async () => {
      const saved = await api.saveSettings({ mesh: meshOf(f), target: f.target.trim(), deviceId: f.deviceId.trim(), stateHz: Number(f.stateHz), media: settings?.media ?? true, simMode: settings?.simMode ?? 'robot' });
      useConsoleStore.setState({ settings: saved });
      notify('info', 'settings saved');
    });
  };
  const startDriver = (): void => {
    void runAction(`Starting the driver (${f.target})`, () => api.startDriver({ target: f.target.trim(), deviceId: f.deviceId.trim(), stateHz: Number(f.stateHz) }));
  };

  return (
    <Panel name="settings" title="Settings">
      <div className="settings">
        <fieldset>
          <legend>Mesh</legend>
          <label className="field">
            <span>backend</span>
            <select value={f.kind} onChange={(e) => set('kind', e.target.value as Form['kind'])} data-testid="mesh-kind">
              <option value="local">local (in-process, no broker)</option>
              <option value="nats">NATS</option>
            </select>
          </label>
          {f.kind === 'nats' ? (
            <>
              <label className="field">
                <span>URL(s)</span>
                <input value={f.urls} onChange={(e) => set('urls', e.target.value)} data-testid="mesh-urls" placeholder="nats://host:4222" />
              </label>
              <label className="field">
                <span>credentials file (path on the console host)</span>
                <input value={f.credentialsFile} onChange={(e) => set('credentialsFile', e.target.value)} data-testid="mesh-creds" placeholder="~/.config/…/device.creds.json" />
              </label>
              <label className="field">
                <span>tenant</span>
                <input value={f.tenant} onChange={(e) => set('tenant', e.target.value)} data-testid="mesh-tenant" />
              </label>
              <label className="field">
                <span>discovery</span>
                <select value={f.discoveryMode} onChange={(e) => set('discoveryMode', e.target.value as Form['discoveryMode'])}>
                  <option value="d2d">d2d (presence)</option>
                  <option value="infra">infra (registry)</option>
                </select>
              </label>
              <label className="check">
                <input type="checkbox" checked={f.allowInsecure} onChange={(e) => set('allowInsecure', e.target.checked)} data-testid="mesh-insecure" /> allow without credentials (insecure)
              </label>
            </>
          ) : null}
          <div className="row">
            <button className="btn btn-primary" onClick={connect} data-testid="mesh-connect">Connect</button>
            <button className="btn" onClick={() => void runAction('Disconnecting', () => api.disconnectMesh({}))}>Disconnect</button>
          </div>
        </fieldset>
        <fieldset>
          <legend>Robot</legend>
          <label className="field">
            <span>target (sim, host or host:port)</span>
            <input value={f.target} onChange={(e) => set('target', e.target.value)} data-testid="target" />
          </label>
          <label className="field">
            <span>device id</span>
            <input value={f.deviceId} onChange={(e) => set('deviceId', e.target.value)} />
          </label>
          <label className="field">
            <span>state rate (Hz)</span>
            <input type="number" min={0} max={50} value={f.stateHz} onChange={(e) => set('stateHz', e.target.value)} />
          </label>
          <div className="row">
            <button className="btn" onClick={() => void runAction('Starting the simulator', () => api.startSimulator({}))} disabled={snap?.sim.running} data-testid="sim-start">
              Start simulator
            </button>
            <button className="btn" onClick={() => void runAction('Stopping the simulator', () => api.stopSimulator({}))} disabled={!snap?.sim.running}>
              Stop simulator
            </button>
          </div>
          <div className="row">
            <button className="btn" onClick={startDriver} data-testid="driver-start">{snap?.driver.running ? 'Restart driver' : 'Start driver'}</button>
            <button className="btn" onClick={() => void runAction('Stopping the driver', () => api.stopDriver({}))} disabled={!snap?.driver.running}>
              Stop driver
            </button>
          </div>
          <div className="muted small">
            simulator: {snap?.sim.running ? `running at ${snap.sim.url}` : (snap?.sim.error ?? 'stopped')} · driver:{' '}
            {snap?.driver.running ? `${snap.driver.deviceId} → ${snap.driver.target} (${snap.driver.link ?? '?'})` : (snap?.driver.error ?? 'stopped')}
          </div>
        </fieldset>
        <div className="row">
          <button className="btn" onClick={save} data-testid="settings-save">Save settings</button>
          <span className="muted small">environment variables override the file</span>
        </div>
      </div>
    </Panel>
  );
}
