/**
 * Agents panel: the operator supervises the agents on the console-hosted MCP bridge. Pending calls (agent,
 * function, arguments, the target they would move to) with Approve / Deny (with a reason) / "allow this agent's
 * motion for N minutes"; per-agent policy per function class; Revoke (button, or Alt+Shift+R for every agent),
 * which stops what the agent started and refuses its next motion call; and the live timeline of every call with its
 * decision, result and the images the agent saw. Talks only to the ConsoleApi agents group and its `agents` pushes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { notify, runAction, useConsoleApi, useDeviceState, useNow } from '../hooks';
import type { AgentInfo, AgentPending, AgentTimelineEntry } from '../../shared/console-api/agents';
import { argsText } from '../format';

const MAX_ROWS = 200;
const CLASSES = ['observe', 'motion', 'media', 'control'] as const;


/** The target a call would move to, in words: its numeric arguments with units where the name says them. */
export function targetText(t: Record<string, number>): string {
  const parts = Object.entries(t).map(([k, v]) => {
    const unit = /_s$/.test(k) ? ' s' : /_mm$/.test(k) ? ' mm' : /yaw|pitch|roll|deg|angle|antenna/i.test(k) ? '°' : '';
    return `${k.replace(/_(deg|mm|s)$/, '')} ${Number.isInteger(v) ? v : v.toFixed(2)}${unit}`;
  });
  return parts.length ? parts.join(', ') : 'no numeric target';
}

const DEG = Math.PI / 180;
const ROW = { display: 'flex', alignItems: 'center', gap: 10, flexWrap: 'wrap' } as const;
const CARD = { border: '1px solid #39414e', borderRadius: 6, padding: 8, marginBottom: 8 } as const;

/**
 * The robot seen from above with where the call would point it: the current head heading (solid) and the
 * predicted one (dashed) for a call with a head `yaw` (world frame, or body frame added to the body yaw), the
 * predicted body heading for a `yaw_deg`. Nothing is drawn for a call without a heading.
 */
function TargetView({ deviceId, target, args }: { deviceId: string; target: Record<string, number>; args: unknown }) {
  const v = useDeviceState(deviceId);
  const body = v?.bodyYawDeg ?? 0;
  const head = v?.head?.yaw ?? body;
  const frame = (args as { frame?: unknown } | null)?.frame;
  const headTarget = typeof target.yaw === 'number' ? (frame === 'body' ? body + target.yaw : target.yaw) : null;
  const bodyTarget = typeof target.yaw_deg === 'number' ? target.yaw_deg : null;
  if (headTarget === null && bodyTarget === null) return null;
  const ray = (deg: number, r: number) => ({ x: 60 - r * Math.sin(deg * DEG), y: 60 - r * Math.cos(deg * DEG) });
  const cur = ray(head, 48);
  const predicted = ray(headTarget ?? bodyTarget ?? 0, 52);
  const predictedDeg = headTarget ?? bodyTarget ?? 0;
  return (
    <svg viewBox="0 0 120 120" width={120} height={120} style={{ flex: 'none' }} data-testid="agent-pending-view" role="img" aria-label={`predicted ${headTarget !== null ? 'head' : 'body'} heading ${predictedDeg.toFixed(0)}°`}>
      <circle cx={60} cy={60} r={54} className="svg-ring" />
      <circle cx={60} cy={60} r={22} className="svg-body" />
      <line x1={60} y1={60} x2={cur.x} y2={cur.y} className="svg-tick" />
      <line x1={60} y1={60} x2={predicted.x} y2={predicted.y} className="svg-gaze" data-testid="agent-pending-ray" data-deg={predictedDeg.toFixed(1)} />
      <circle cx={predicted.x} cy={predicted.y} r={4} className="svg-eye" />
    </svg>
  );
}

function PendingCard({ p, onDone }: { p: AgentPending; onDone: () => void }) {
  const api = useConsoleApi();
  const now = useNow(250);
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(5);
  const left = Math.max(0, (p.deadline - now) / 1000);
  const decide = async (approve: boolean, allowMinutes?: number): Promise<void> => {
    await runAction(approve ? 'Approve' : 'Deny', () =>
      api.agentsDecide({ id: p.id, approve, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(allowMinutes ? { allowMinutes } : {}) }),
    );
    onDone();
  };
  return (
    <div className="agent-pending" style={CARD} data-testid="agent-pending" data-agent={p.agent} data-function={p.function}>
      <div>
        <b data-testid="agent-pending-agent">{p.agent}</b> wants <span className="mono" data-testid="agent-pending-function">{p.function}</span> on{' '}
        {p.device_id} <span className="muted">({p.class}; denied in {left.toFixed(0)} s)</span>
      </div>
      <div className="mono" data-testid="agent-pending-args">
        {argsText(p.arguments, 160)}
      </div>
      <div style={ROW}>
        <TargetView deviceId={p.device_id} target={p.target} args={p.arguments} />
        <div data-testid="agent-pending-target">target: {targetText(p.target)}</div>
      </div>
      <div style={ROW}>
        <button className="btn" data-testid="agent-approve" onClick={() => void decide(true)}>
          Approve
        </button>
        <input data-testid="agent-deny-reason" placeholder="reason (sent to the agent)" value={reason} onChange={(e) => setReason(e.target.value)} />
        <button className="btn btn-warn" data-testid="agent-deny" onClick={() => void decide(false)}>
          Deny
        </button>
        <label style={{ whiteSpace: 'nowrap' }}>
          allow this agent&apos;s motion for{' '}
          <input
            type="number"
            min={1}
            max={240}
            style={{ width: '4em' }}
            data-testid="agent-allow-minutes-value"
            value={minutes}
            onChange={(e) => setMinutes(Math.max(1, Math.min(240, Number(e.target.value) || 1)))}
          />{' '}
          min
        </label>
        <button className="btn" data-testid="agent-allow-minutes" onClick={() => void decide(true, minutes)}>
          Allow {minutes} min
        </button>
      </div>
    </div>
  );
}

export default function AgentsPanel() {
  const api = useConsoleApi();
  const [supervised, setSupervised] = useState(false);
  const [agents, setAgents] = useState<AgentInfo[]>([]);
  const [pending, setPending] = useState<AgentPending[]>([]);
  const [timeline, setTimeline] = useState<AgentTimelineEntry[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(async () => {
    try {
      const s = await api.agentsState({ limit: MAX_ROWS });
      setSupervised(s.supervised);
      setAgents(s.agents);
      setPending(s.pending);
      setTimeline(s.timeline);
    } catch {
      setSupervised(false);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const soon = (): void => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        void refresh();
      }, 150);
    };
    const off = api.onPush((p) => {
      if (p.type === 'mcp_call') soon();
      if (p.type !== 'agents') return;
      const u = p.update;
      if (u.kind === 'pending') setPending((prev) => [...prev.filter((x) => x.id !== u.pending.id), u.pending]);
      else if (u.kind === 'resolved') setPending((prev) => prev.filter((x) => x.id !== u.id));
      else if (u.kind === 'agents') setAgents(u.agents);
      else if (u.kind === 'timeline') {
        setSupervised(true);
        setTimeline((prev) => {
          const i = prev.findIndex((x) => x.seq === u.entry.seq);
          if (i >= 0) return prev.map((x, j) => (j === i ? u.entry : x));
          return [...prev.slice(-(MAX_ROWS - 1)), u.entry];
        });
      }
      soon();
    });
    // The bridge may be started from the MCP panel at any time.
    const poll = setInterval(() => void refresh(), 2000);
    return () => {
      off();
      clearInterval(poll);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [api, refresh]);

  const revoke = useCallback(
    async (agent: string): Promise<void> => {
      const r = await runAction(`Revoke ${agent}`, () => api.agentsRevoke({ agent, reason: 'revoked in the console' }));
      if (r) notify(r.errors.length ? 'error' : 'info', `Revoked ${agent}${r.stopped.length ? `; stopped ${r.stopped.join(', ')}` : ''}${r.errors.length ? `; ${r.errors.join('; ')}` : ''}`);
      void refresh();
    },
    [api, refresh],
  );

  // Alt+Shift+R: revoke every agent at once (the E-STOP still stops everything).
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!(e.altKey && e.shiftKey && (e.key === 'R' || e.key === 'r' || e.code === 'KeyR'))) return;
      e.preventDefault();
      for (const a of agents) if (!a.revoked) void revoke(a.name);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [agents, revoke]);

  if (!supervised) {
    return (
      <div className="muted" data-testid="agents-off">
        No supervised bridge: start the console-hosted MCP bridge in the MCP panel. Its agents&apos; motion calls are asked here.
      </div>
    );
  }

  return (
    <div data-testid="agents-panel">
      <h4>Waiting for you ({pending.length})</h4>
      {pending.length === 0 ? <div className="muted">No pending calls.</div> : pending.map((p) => <PendingCard key={p.id} p={p} onDone={() => void refresh()} />)}

      <h4>Agents</h4>
      {agents.length === 0 ? (
        <div className="muted">No agent has called yet.</div>
      ) : (
        <table className="table" data-testid="agents-table">
          <thead>
            <tr>
              <th>agent</th>
              <th>mesh identity</th>
              {CLASSES.map((c) => (
                <th key={c}>{c}</th>
              ))}
              <th>motion calls</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.name} data-testid={`agent-row-${a.name}`}>
                <td>{a.name}</td>
                <td className="mono" data-testid="agent-identity">
                  {a.identity}
                </td>
                {CLASSES.map((c) => (
                  <td key={c}>
                    <select
                      data-testid={`agent-policy-${a.name}-${c}`}
                      value={a.policy[c]}
                      onChange={(e) => void runAction('Policy', () => api.agentsSetPolicy({ agent: a.name, class: c, decision: e.target.value as 'allow' | 'ask' | 'deny' })).then(refresh)}
                    >
                      <option value="allow">allow</option>
                      <option value="ask">ask</option>
                      <option value="deny">deny</option>
                    </select>
                  </td>
                ))}
                <td>
                  {a.motion_calls}
                  {a.motion_allowed_until ? <span className="muted"> (allowed until {new Date(a.motion_allowed_until).toLocaleTimeString()})</span> : null}
                </td>
                <td>
                  {a.revoked ? (
                    <>
                      <span className="badge bad" data-testid="agent-revoked">
                        revoked
                      </span>{' '}
                      <button className="btn" data-testid={`agent-restore-${a.name}`} onClick={() => void runAction('Restore', () => api.agentsRestore({ agent: a.name })).then(refresh)}>
                        Restore
                      </button>
                    </>
                  ) : (
                    <button className="btn btn-warn" data-testid={`agent-revoke-${a.name}`} title="Take its motion rights away now (Alt+Shift+R: every agent)" onClick={() => void revoke(a.name)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h4>Timeline</h4>
      <table className="table" data-testid="agents-timeline">
        <thead>
          <tr>
            <th>time</th>
            <th>agent</th>
            <th>call</th>
            <th>arguments</th>
            <th>decision</th>
            <th>result</th>
          </tr>
        </thead>
        <tbody>
          {timeline.map((e) => (
            <tr key={e.seq} data-testid="agent-timeline-row" data-decision={e.decision}>
              <td className="mono">{new Date(e.ts).toLocaleTimeString()}</td>
              <td>{e.agent}</td>
              <td className="mono">
                {e.function} <span className="muted">({e.class})</span>
              </td>
              <td className="mono">{argsText(e.arguments, 160)}</td>
              <td data-testid="agent-timeline-decision">
                {e.decision}
                {e.decided_by ? ` by ${e.decided_by}` : ''}
                {e.reason && e.decision !== 'allowed' ? <div className="muted">{e.reason}</div> : null}
              </td>
              <td>
                {e.result ? <span className={e.result.ok ? '' : 'err'}>{e.result.summary}</span> : null}
                {e.image ? <img alt="what the agent saw" data-testid="agent-timeline-image" style={{ maxWidth: 160, display: 'block' }} src={`data:${e.image.mimeType};base64,${e.image.data}`} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
