import { errorMessage } from '../shared/errors';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  ApiError,
  call,
  storeToken,
  takeToken,
  type DriverStatus,
  type FieldName,
  type SettingsFields,
  type SettingsView,
  type ValidationView,
} from './api';

interface FieldMeta {
  name: FieldName;
  label: string;
  kind: 'text' | 'bool' | 'select';
  options?: string[];
  help: string;
  placeholder?: string;
  /** Only shown in one mode: with portal on, or with portal off. */
  portal?: boolean;
}

const DC_FIELDS: FieldMeta[] = [
  { name: 'device_id', label: 'Device id', kind: 'text', help: 'Empty: from the credentials (portal) or reachy-mini-1', placeholder: 'reachy-mini-1' },
  { name: 'tenant', label: 'Tenant', kind: 'text', help: 'Empty: from the credentials, else "default"', placeholder: 'default' },
  { name: 'messaging_urls', label: 'Broker URL(s)', kind: 'text', help: 'Comma-separated; empty in portal mode uses the credentials\u2019 broker', placeholder: 'nats://192.168.1.10:4222' },
  { name: 'messaging_backend', label: 'Messaging backend', kind: 'select', options: ['', 'nats'], help: 'NATS is the only backend this driver speaks' },
  { name: 'discovery_mode', label: 'Discovery', kind: 'select', options: ['', 'd2d', 'infra'], help: 'Empty: infra with a broker (portal forces infra)' },
  { name: 'allow_insecure', label: 'Allow a broker without credentials', kind: 'bool', help: 'Development brokers only' },
  { name: 'portal_credentials_glob', label: 'Credentials file pattern', kind: 'text', help: 'Portal mode without a file: newest match of this pattern', placeholder: '*.json', portal: true },
  { name: 'portal_credentials_dir', label: 'Credentials folder', kind: 'text', help: '… in this folder', placeholder: '~/Downloads', portal: true },
  { name: 'nats_credentials_file', label: 'Credentials file path', kind: 'text', help: 'Set by the upload; or a path on the robot' },
];

const ROBOT_FIELDS: FieldMeta[] = [
  { name: 'reachy_target', label: 'Daemon (host:port)', kind: 'text', help: 'On the robot: 127.0.0.1:8000', placeholder: '127.0.0.1:8000' },
  { name: 'transport_mode', label: 'Transport', kind: 'select', options: ['websocket', 'auto', 'http'], help: 'websocket: realtime /ws/sdk; http: REST only' },
  { name: 'simulate', label: 'Simulate the robot', kind: 'bool', help: 'Run a simulated robot instead of the daemon' },
  { name: 'no_media', label: 'No camera / microphone', kind: 'bool', help: 'Media functions answer unsupported' },
  { name: 'reachy_prefix', label: 'Zenoh prefix', kind: 'text', help: 'Kept for the prior driver (Zenoh is not used here)', placeholder: 'reachy_mini' },
];

/** The checks the server makes too, run as the user types so mistakes show before saving. */
function localError(name: FieldName, v: SettingsFields[FieldName]): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '') return null;
  switch (name) {
    case 'device_id':
      return /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/.test(s) ? null : "letters, digits, '.', '_' or '-', starting with a letter or digit";
    case 'tenant':
      return /^[A-Za-z0-9_-]+$/.test(s) ? null : "letters, digits, '_' or '-'";
    case 'reachy_target':
      return /^(sim|(https?:\/\/)?(\[[0-9a-fA-F:.%]+\]|[A-Za-z0-9._%-]+)(:\d{1,5})?\/?)$/i.test(s) ? null : 'host[:port], e.g. 127.0.0.1:8000, or sim';
    case 'messaging_urls':
      return s.split(',').every((u) => /^((nats|tls):\/\/)?[^\s/]+(:\d+)?$/i.test(u.trim()) || u.trim() === '') ? null : 'nats://host:port (comma-separated)';
    case 'portal_credentials_glob':
      return /[/\\]/.test(s) ? 'a file name pattern (no folders)' : null;
    case 'reachy_prefix':
      return /^[A-Za-z0-9_/-]*$/.test(s) ? null : "letters, digits, '_', '-' or '/'";
    default:
      return null;
  }
}

const mark = (ok: boolean | null) => (ok === true ? '\u2713' : ok === false ? '\u2717' : '\u2013');

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function App() {
  const [token, setToken] = useState<string | null>(() => takeToken());
  const [tokenInput, setTokenInput] = useState('');
  const [view, setView] = useState<SettingsView | null>(null);
  const [form, setForm] = useState<SettingsFields | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [status, setStatus] = useState<DriverStatus | null>(null);
  const [validation, setValidation] = useState<ValidationView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const fail = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) {
      storeToken(null);
      setToken(null);
      setMessage({ kind: 'error', text: 'The access token is missing or wrong.' });
      return;
    }
    if (e instanceof ApiError && e.errors.length) {
      const m: Record<string, string> = {};
      for (const x of e.errors) for (const f of x.field.split(', ')) m[f] = x.message;
      setServerErrors(m);
    }
    setMessage({ kind: 'error', text: errorMessage(e) });
  }, []);

  const load = useCallback(async () => {
    if (!token) return;
    try {
      const v = await call<SettingsView>(token, 'GET', '/api/settings');
      setView(v);
      setForm(v.settings);
    } catch (e) {
      fail(e);
    }
  }, [token, fail]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (!token) return;
    let stop = false;
    const tick = async () => {
      try {
        const s = await call<{ driver: DriverStatus }>(token, 'GET', '/api/status');
        if (!stop) setStatus(s.driver);
      } catch {
        // shown by the next user action
      }
    };
    void tick();
    const id = setInterval(() => void tick(), 1500);
    return () => {
      stop = true;
      clearInterval(id);
    };
  }, [token]);

  const localErrors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!form) return out;
    for (const f of [...DC_FIELDS, ...ROBOT_FIELDS]) {
      const err = localError(f.name, form[f.name]);
      if (err) out[f.name] = `${f.name}: ${err}`;
    }
    return out;
  }, [form]);

  const changed = useMemo(() => {
    if (!form || !view) return {};
    const out: Partial<SettingsFields> = {};
    for (const k of Object.keys(form) as FieldName[]) if (form[k] !== view.settings[k]) (out as Record<string, unknown>)[k] = form[k];
    return out;
  }, [form, view]);

  const set = (name: FieldName, value: string | boolean) => {
    setForm((f) => (f ? { ...f, [name]: value } : f));
    setServerErrors((e) => {
      const { [name]: _drop, ...rest } = e;
      return rest;
    });
  };

  const save = async (patch: Partial<SettingsFields> = changed) => {
    if (!token) return;
    setBusy('save');
    setMessage(null);
    try {
      const v = await call<SettingsView>(token, 'PUT', '/api/settings', patch);
      setView(v);
      setForm(v.settings);
      setServerErrors({});
      setMessage({ kind: 'ok', text: 'Saved. The driver restarts with the new settings.' });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  const validate = async () => {
    if (!token) return;
    setBusy('validate');
    setValidation(null);
    try {
      setValidation(await call<ValidationView>(token, 'POST', '/api/validate', changed));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  const upload = async (file: File) => {
    if (!token) return;
    setBusy('upload');
    setMessage(null);
    const fd = new FormData();
    fd.append('file', file, file.name);
    try {
      const v = await call<SettingsView>(token, 'POST', '/api/credentials/upload', fd);
      setView(v);
      setForm((f) => (f ? { ...f, nats_credentials_file: v.settings.nats_credentials_file } : v.settings));
      setMessage({ kind: 'ok', text: `Credentials uploaded (${file.name}).` });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  const restart = async () => {
    if (!token) return;
    try {
      await call(token, 'POST', '/api/driver/restart');
      setMessage({ kind: 'ok', text: 'Restarting the driver…' });
    } catch (e) {
      fail(e);
    }
  };

  if (!token) {
    return (
      <main>
        <h1>Reachy Mini · Device Connect</h1>
        <Section title="Access token">
          <p>Open the URL printed by <code>reachy-console app</code>, or paste the token from <code>reachy-console app --print-token</code>.</p>
          {message && <p className={`msg ${message.kind}`}>{message.text}</p>}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              storeToken(tokenInput.trim());
              setMessage(null);
              setToken(tokenInput.trim());
            }}
          >
            <input aria-label="token" id="token" value={tokenInput} onChange={(e) => setTokenInput(e.target.value)} autoComplete="off" />
            <button type="submit">Open</button>
          </form>
        </Section>
      </main>
    );
  }

  const field = (f: FieldMeta) => {
    if (!form || !view) return null;
    const env = view.overridden[f.name];
    const err = serverErrors[f.name] ?? localErrors[f.name];
    const id = `f-${f.name}`;
    const value = env ? view.effective[f.name] : form[f.name];
    let input: ReactNode;
    if (f.kind === 'bool') {
      input = <input id={id} type="checkbox" checked={Boolean(value)} disabled={!!env} onChange={(e) => set(f.name, e.target.checked)} />;
    } else if (f.kind === 'select') {
      const opts = f.options ?? [];
      const v = String(value);
      input = (
        <select id={id} value={v} disabled={!!env} onChange={(e) => set(f.name, e.target.value)} aria-invalid={!!err}>
          {(opts.includes(v) ? opts : [...opts, v]).map((o) => (
            <option key={o} value={o}>
              {o === '' ? '(default)' : o}
            </option>
          ))}
        </select>
      );
    } else {
      input = <input id={id} type="text" value={String(value)} placeholder={f.placeholder} disabled={!!env} onChange={(e) => set(f.name, e.target.value)} aria-invalid={!!err} autoComplete="off" spellCheck={false} />;
    }
    return (
      <div className={`field ${f.kind}`} key={f.name}>
        <label htmlFor={id}>{f.label}</label>
        {input}
        <small>{env ? `set by ${env} (environment)` : f.help}</small>
        {err && (
          <p className="err" id={`err-${f.name}`} role="alert">
            {err}
          </p>
        )}
      </div>
    );
  };

  const portal = form?.use_portal ?? false;
  const creds = view?.credentials;
  const hasErrors = Object.keys(localErrors).length > 0;

  return (
    <main>
      <h1>Reachy Mini · Device Connect</h1>

      <Section title="Driver">
        {status ? (
          <div id="status" className={`status ${status.state}`}>
            <p>
              <strong data-testid="driver-state">{status.state.replace('_', ' ')}</strong>
              {status.device_id && (
                <>
                  {' '}
                  · {status.device_id} · tenant {status.tenant}
                </>
              )}
            </p>
            <ul className="kv">
              <li>mesh: {status.mesh.connected ? 'connected' : status.mesh.status}{status.broker ? ` (${status.broker})` : ''}</li>
              <li>daemon: {status.daemon.link}{status.target ? ` (${status.target})` : ''}</li>
              {status.interlock && (
                <li data-testid="interlock" className={status.interlock.state === 'tripped' ? 'err' : undefined}>
                  interlock:{' '}
                  {status.interlock.state === 'safe'
                    ? 'safe'
                    : `tripped since ${status.interlock.since?.slice(11, 19) ?? '?'} UTC by ${status.interlock.source ?? '?'}: ${status.interlock.reason ?? ''} (motion is refused until someone calls reset_interlock, e.g. Ownership → Reset interlock in the console; restarting does not clear it)`}
                </li>
              )}
              {status.last_error && <li className="err">last error: {status.last_error}</li>}
            </ul>
            <details>
              <summary>What happened</summary>
              <ol className="history">
                {status.history.slice(-8).map((h, i) => (
                  <li key={i}>
                    <time>{h.ts.slice(11, 19)}</time> {h.message}
                  </li>
                ))}
              </ol>
            </details>
            <button type="button" onClick={() => void restart()}>
              Restart driver
            </button>
          </div>
        ) : (
          <p>Loading…</p>
        )}
      </Section>

      {message && (
        <p className={`msg ${message.kind}`} role="status" id="message">
          {message.text}
        </p>
      )}

      {form && view && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <Section title="Device Connect portal">
            <div className="field bool toggle">
              <label htmlFor="f-use_portal">Portal mode</label>
              <input
                id="f-use_portal"
                type="checkbox"
                checked={view.overridden.use_portal ? view.effective.use_portal : portal}
                disabled={!!view.overridden.use_portal}
                onChange={(e) => set('use_portal', e.target.checked)}
              />
              <small>{view.overridden.use_portal ? `set by ${view.overridden.use_portal}` : 'NATS via the portal; device id and tenant from the credentials'}</small>
            </div>
            <div className="field">
              <label htmlFor="creds-file">Credentials (.json or .creds, ≤ 256 KiB)</label>
              <input
                id="creds-file"
                type="file"
                accept=".json,.creds"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void upload(f);
                  e.target.value = '';
                }}
              />
              <p id="creds-summary" className={creds?.present ? (creds.expired ? 'err' : 'ok') : creds?.error ? 'err' : ''}>
                {creds?.present
                  ? `present${creds.tenant ? `, tenant ${creds.tenant}` : ''}${creds.device_id ? `, device ${creds.device_id}` : ''}, ${creds.expires ? `${creds.expired ? 'expired' : 'expires'} ${new Date(creds.expires).toLocaleString()}` : 'no expiry'}`
                  : creds?.error
                    ? creds.error
                    : 'none'}
              </p>
              {serverErrors.file && <p className="err" id="err-file" role="alert">{serverErrors.file}</p>}
            </div>
          </Section>

          <Section title="Mesh">{DC_FIELDS.filter((f) => f.portal === undefined || f.portal === portal).map(field)}</Section>
          <Section title="Robot">{ROBOT_FIELDS.map(field)}</Section>

          <div className="actions">
            <button type="submit" id="save" disabled={busy !== null || hasErrors || Object.keys(changed).length === 0}>
              {busy === 'save' ? 'Saving…' : 'Save'}
            </button>
            <button type="button" id="validate" disabled={busy !== null} onClick={() => void validate()}>
              {busy === 'validate' ? 'Checking…' : 'Check settings'}
            </button>
          </div>
          {view.kept_keys.length > 0 && <p className="note">Also kept in the file: {view.kept_keys.join(', ')}</p>}
          {view.errors.length > 0 && (
            <ul className="err">
              {view.errors.map((e, i) => (
                <li key={i}>{e.message}</li>
              ))}
            </ul>
          )}
        </form>
      )}

      {validation && (
        <Section title={validation.ok ? 'Checks passed' : 'Checks'}>
          <ul id="checks" className="checks">
            {validation.checks.map((c) => (
              <li key={c.id} data-check={c.id} className={c.ok === true ? 'ok' : c.ok === false ? 'bad' : 'na'}>
                <span className="mark">{mark(c.ok)}</span> <strong>{c.label}</strong>: {c.detail}
                {c.ok === false && c.hint && <div className="hint">fix: {c.hint}</div>}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <footer>Settings file: {view?.file}</footer>
    </main>
  );
}
