/**
 * MCP panel: the console-hosted bridge (start/stop, URL, sessions), the exact Claude Desktop / Claude Code
 * configuration (copy, or write it into Claude Desktop's config with a backup), and the live tool-call log.
 * Talks only to the ConsoleApi mcp group; agents' calls arrive as `mcp_call` pushes.
 */
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shared/errors';
import { notify, runAction, useConsoleApi } from '../hooks';
import type { McpBridgeStatus, McpCallRecord, McpClientConfig, McpClientKind, McpTarget } from '../../shared/console-api/mcp';
import { argsText } from '../format';

const MAX_ROWS = 200;


export default function McpPanel() {
  const api = useConsoleApi();
  const [status, setStatus] = useState<McpBridgeStatus | null>(null);
  const [calls, setCalls] = useState<McpCallRecord[]>([]);
  const [readOnly, setReadOnly] = useState(false);
  // Agents on the console's bridge: a human approves their motion in the Agents panel unless the operator says otherwise.
  const [motion, setMotion] = useState<'ask' | 'allow' | 'deny'>('ask');
  const [allow, setAllow] = useState('');
  const [client, setClient] = useState<McpClientKind>('claude-code');
  const [target, setTarget] = useState<McpTarget>('sim');
  const [config, setConfig] = useState<McpClientConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [written, setWritten] = useState<string | null>(null);

  const allowList = allow
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

  const refreshStatus = useCallback(async () => {
    try {
      setStatus(await api.mcpStatus({}));
    } catch (err) {
      setStatus(null);
      notify('error', `MCP status: ${errorMessage(err)}`);
    }
  }, [api]);

  useEffect(() => {
    void refreshStatus();
    api
      .mcpCallLog({ limit: MAX_ROWS })
      .then((log) => setCalls(log))
      .catch(() => undefined);
    const off = api.onPush((p) => {
      if (p.type !== 'mcp_call') return;
      setCalls((prev) => [...prev.slice(-(MAX_ROWS - 1)), p.call]);
      setStatus((s) => (s ? { ...s, calls: s.calls + 1 } : s));
    });
    return off;
  }, [api, refreshStatus]);

  // The configuration text follows the choices (and the running bridge's URL for target "console").
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const mesh = target === 'mesh' ? (await api.loadSettings({})).mesh : undefined;
        const names = allow.split(/[\s,]+/).filter(Boolean);
        const c = await api.mcpClientConfig({ client, target, mesh, readOnly, allow: names.length ? names : undefined });
        if (!cancelled) {
          setConfig(c);
          setConfigError(null);
        }
      } catch (err) {
        if (!cancelled) {
          setConfig(null);
          setConfigError(errorMessage(err));
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, client, target, readOnly, allow, status?.url]);

  const start = () =>
    runAction('Start MCP bridge', async () => {
      setStatus(await api.mcpStart({ readOnly, motion, allow: allowList.length ? allowList : undefined }));
    });
  const stop = () =>
    runAction('Stop MCP bridge', async () => {
      setStatus(await api.mcpStop({}));
    });
  const copy = async () => {
    if (!config) return;
    try {
      await navigator.clipboard.writeText(config.text);
      notify('info', 'Configuration copied');
    } catch {
      notify('error', 'The clipboard is not available here; select the text and copy it');
    }
  };
  const write = () =>
    runAction('Write Claude Desktop config', async () => {
      const mesh = target === 'mesh' ? (await api.loadSettings({})).mesh : undefined;
      const r = await api.mcpWriteClientConfig({ client: 'claude-desktop', target, mesh, readOnly, allow: allowList.length ? allowList : undefined });
      setWritten(`Wrote '${r.serverName}' into ${r.path}${r.backupPath ? ` (previous file kept as ${r.backupPath})` : ''}. Restart Claude Desktop.`);
    });
  const clear = () =>
    runAction('Clear tool-call log', async () => {
      await api.mcpClearCallLog({});
      setCalls([]);
    });

  return (
    <div className="mcp-panel" data-testid="mcp-panel">
      <section>
        <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
          <strong data-testid="mcp-status">{status?.running ? 'Bridge running' : 'Bridge stopped'}</strong>
          {status?.running && status.url && (
            <code data-testid="mcp-url">
              {status.url} · {status.sessions} session{status.sessions === 1 ? '' : 's'}
            </code>
          )}
          {status?.error && <span style={{ color: 'var(--warn)' }}>{status.error}</span>}
        </div>
        <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap', marginTop: 6 }}>
          <label>
            <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} data-testid="mcp-readonly" /> read-only
          </label>
          <label className="field" style={{ flex: 1, minWidth: 160 }}>
            <span>allow only (comma list, * wildcards; empty = all)</span>
            <input value={allow} onChange={(e) => setAllow(e.target.value)} placeholder="get_status,get_*" data-testid="mcp-allow" />
          </label>
          <label className="field">
            <span>agents&apos; motion</span>
            <select value={motion} onChange={(e) => setMotion(e.target.value as 'ask' | 'allow' | 'deny')} disabled={!!status?.running} data-testid="mcp-motion">
              <option value="ask">ask (Agents panel)</option>
              <option value="allow">allow</option>
              <option value="deny">deny</option>
            </select>
          </label>
          {status?.running ? (
            <button className="btn" onClick={() => void stop()} data-testid="mcp-stop">
              Stop
            </button>
          ) : (
            <button className="btn btn-primary" onClick={() => void start()} data-testid="mcp-start">
              Start console bridge
            </button>
          )}
        </div>
      </section>

      <section style={{ marginTop: 10 }}>
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'end' }}>
          <label className="field">
            <span>client</span>
            <select value={client} onChange={(e) => setClient(e.target.value as McpClientKind)} data-testid="mcp-client">
              <option value="claude-code">Claude Code</option>
              <option value="claude-desktop">Claude Desktop</option>
            </select>
          </label>
          <label className="field">
            <span>the agent reaches</span>
            <select value={target} onChange={(e) => setTarget(e.target.value as McpTarget)} data-testid="mcp-target">
              <option value="sim">its own simulated robot (--sim)</option>
              <option value="mesh">the console's NATS mesh</option>
              <option value="console">this console's bridge (HTTP)</option>
            </select>
          </label>
          <button className="btn" onClick={() => void copy()} disabled={!config} data-testid="mcp-copy">
            Copy
          </button>
          {client === 'claude-desktop' && (
            <button className="btn" onClick={() => void write()} disabled={!config} data-testid="mcp-write">
              Write to Claude Desktop config
            </button>
          )}
        </div>
        {config && (
          <>
            <p style={{ margin: '6px 0' }}>
              {config.note}
              {config.path ? ` File: ${config.path}` : ''}
            </p>
            <pre data-testid="mcp-config-text" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', userSelect: 'all' }}>
              {config.text}
            </pre>
          </>
        )}
        {configError && (
          <p style={{ color: 'var(--warn)' }} data-testid="mcp-config-error">
            {configError}
          </p>
        )}
        {written && <p data-testid="mcp-written">{written}</p>}
      </section>

      <section style={{ marginTop: 10 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <strong>Tool calls ({status?.calls ?? calls.length})</strong>
          <button className="btn" onClick={() => void clear()} disabled={calls.length === 0}>
            Clear
          </button>
        </div>
        {calls.length === 0 ? (
          <p style={{ opacity: 0.7 }}>No tool calls yet. Calls from the console bridge and from bridges Claude launched with this console's configuration appear here.</p>
        ) : (
          <table data-testid="mcp-calls" style={{ width: '100%', fontSize: 12, borderCollapse: 'collapse' }}>
            <thead>
              <tr style={{ textAlign: 'left' }}>
                <th>time</th>
                <th>tool</th>
                <th>arguments</th>
                <th>result</th>
                <th style={{ textAlign: 'right' }}>ms</th>
              </tr>
            </thead>
            <tbody>
              {[...calls].reverse().map((c, i) => (
                <tr key={`${c.ts}-${i}`} style={{ color: c.ok ? undefined : 'var(--warn)' }}>
                  <td>{new Date(c.ts).toLocaleTimeString()}</td>
                  <td>{c.tool}</td>
                  <td>
                    <code>{argsText(c.arguments, 120)}</code>
                  </td>
                  <td>{c.summary}</td>
                  <td style={{ textAlign: 'right' }}>{c.elapsedMs.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
