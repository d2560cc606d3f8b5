import type { ReactNode } from 'react';

/** The frame every panel sits in; `name` gives tests and screenshots a stable handle. */
export function Panel({ name, title, children, wide, extra }: { name: string; title: string; children: ReactNode; wide?: boolean; extra?: ReactNode }) {
  return (
    <section className={`panel${wide ? ' panel-wide' : ''}`} data-testid={`panel-${name}`} aria-label={title}>
      <header className="panel-title">
        <h2>{title}</h2>
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
