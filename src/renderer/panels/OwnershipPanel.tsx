import { Empty, LiveData, Panel } from '../components/Panel';
import { notify, runAction, READOUT_MS, useConsoleApi, useDeviceStateEvery, useNow, useSelectedDeviceId, useSnapshot, useStreamFreshness } from '../hooks';
import { settleInvoke, type InvokeOutcome, type InvokeResult } from '../../shared/console-api';

export function outcomeText(o: InvokeOutcome | null): string | null {
  if (!o) return null;
  return o.ok ? null : o.error.message;
}

export function OwnershipPanel() {
  const api = useConsoleApi();
  const id = useSelectedDeviceId();
  const v = useDeviceStateEvery(id, READOUT_MS);
  const snap = useSnapshot();
  // The countdown runs on this page's clock from the last known expiry, so it keeps counting when pushes are late or
  // stop; the freshness badge says when that expiry is no longer confirmed by live data.
  const now = useNow(200);
  const live = useStreamFreshness(id, { tickMs: 200 });
  const operator = snap?.operatorOwner ?? 'operator';
  const remaining = v?.leaseExpiresAt ? Math.max(0, (v.leaseExpiresAt - now) / 1000) : null;
  const owner = v?.owner && (remaining === null || remaining > 0) ? v.owner : null;
  const tripped = v?.interlock === 'tripped';

  const act = async (label: string, fn: () => Promise<InvokeResult>): Promise<void> => {
    const o = await runAction(label, () => settleInvoke(fn()));
    const err = outcomeText(o);
    if (err) notify('error', `${label}: ${err}`);
  };

  return (
    <Panel name="ownership" title="Ownership & safety" live={id ? live : undefined}>
      {!id || !v ? (
        <Empty>No robot state yet.</Empty>
      ) : (
        <>
          <LiveData f={live}>
            <dl className="kv">
              <dt>owner</dt>
              <dd data-testid="lease-owner">{owner ?? 'nobody'}</dd>
              <dt>lease</dt>
              <dd data-testid="lease-countdown">
                {owner && remaining !== null ? (
                  <>
                    <span className="mono">{remaining.toFixed(1)} s</span>
                    <progress max={30} value={Math.min(30, remaining)} />
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>interlock</dt>
              <dd data-testid="interlock" className={tripped ? 'badge bad' : v.interlock === 'safe' ? 'badge good' : 'badge'}>
                {v.interlock}
                {tripped && v.interlockReason ? ` — ${v.interlockReason}` : ''}
              </dd>
              <dt>execution</dt>
              <dd data-testid="execution">{v.execution}</dd>
              <dt>last error</dt>
              <dd data-testid="last-error" className={v.lastError ? 'err' : 'muted'}>
                {v.lastError ?? 'none'}
              </dd>
            </dl>
          </LiveData>
          <div className="row">
            <button className="btn" data-testid="take-lease" onClick={() => void act('Take lease', () => api.takeLease({ deviceId: id, ttlS: 30, preempt: !!owner && owner !== operator }))}>
              Take lease
            </button>
            <button className="btn" data-testid="release-lease" onClick={() => void act('Release lease', () => api.releaseLease({ deviceId: id }))}>
              Release
            </button>
            <button className={`btn${tripped ? ' btn-warn' : ''}`} data-testid="reset-interlock" onClick={() => void act('Reset interlock', () => api.resetInterlock({ deviceId: id, reason: 'operator reset' }))}>
              Reset interlock
            </button>
          </div>
        </>
      )}
    </Panel>
  );
}
