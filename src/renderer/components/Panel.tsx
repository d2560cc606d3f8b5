import type { ReactNode } from 'react';
import { freshnessText, type Freshness } from '../live';

/**
 * The frame every panel sits in; `name` gives tests and screenshots a stable handle. A panel of live data passes
 * `live` (from `useStreamFreshness` and friends): the header then says how old the data is and why it is stale.
 */
export function Panel({ name, title, children, wide, extra, live }: { name: string; title: string; children: ReactNode; wide?: boolean; extra?: ReactNode; live?: Freshness }) {
  return (
    <section className={`panel${wide ? ' panel-wide' : ''}`} data-testid={`panel-${name}`} aria-label={title} data-stale={live ? String(live.stale) : undefined}>
      <header className="panel-title">
        <h2>{title}</h2>
        {live ? <LiveBadge f={live} testid={`live-${name}`} /> : null}
        {extra}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function fmt(v: number | null | undefined, digits = 1, unit = ''): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)}${unit}`;
}

/** "live · 0.1 s old" or "STALE · 3.2 s old — reason". */
export function LiveBadge({ f, testid }: { f: Freshness; testid?: string }) {
  return (
    <span className={`live-badge${f.stale ? ' stale' : ''}`} data-testid={testid} data-stale={String(f.stale)} title={f.reason ?? undefined} role="status">
      {freshnessText(f)}
    </span>
  );
}

/** Wraps the values of a live view: greyed out while they are stale, so they never pass for live. */
export function LiveData({ f, children }: { f: Freshness; children: ReactNode }) {
  return (
    <div className={`live-data${f.stale ? ' stale' : ''}`} data-stale={String(f.stale)}>
      {children}
    </div>
  );
}
