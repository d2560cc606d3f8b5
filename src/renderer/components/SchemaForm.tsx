/**
 * A form generated from a function's JSON schema (the Device Connect `parameters` object). Numbers, integers,
 * booleans, enums and strings get inputs; anything else a JSON text box. Only fields the user set (or that have a
 * default) are sent.
 */
import { useMemo } from 'react';
import type { JsonSchemaObject } from '../../shared/wire';

type Prop = Record<string, unknown>;

function typeOf(p: Prop): string {
  const t = p.type;
  if (Array.isArray(t)) return String(t.find((x) => x !== 'null') ?? 'string');
  if (typeof t === 'string') return t;
  if (Array.isArray(p.enum)) return 'enum';
  const any = (p.anyOf ?? p.oneOf) as Prop[] | undefined;
  if (Array.isArray(any)) {
    const first = any.find((x) => x.type !== 'null');
    if (first) return typeOf(first);
  }
  return 'json';
}

export function initialValues(schema: JsonSchemaObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    const d = (p as Prop).default;
    if (d !== undefined) out[k] = typeof d === 'string' ? d : JSON.stringify(d);
  }
  return out;
}

/** Converts the form strings to params; returns an error naming the field when a value does not parse. */
export function toParams(schema: JsonSchemaObject, values: Record<string, string>): { params: Record<string, unknown> } | { error: string } {
  const params: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(values)) {
    if (raw === '') continue;
    const p = (schema.properties?.[k] ?? {}) as Prop;
    const t = typeOf(p);
    if (t === 'number' || t === 'integer') {
      const n = Number(raw);
      if (!Number.isFinite(n) || (t === 'integer' && !Number.isInteger(n))) return { error: `${k}: must be ${t === 'integer' ? 'an integer' : 'a number'}` };
      params[k] = n;
    } else if (t === 'boolean') params[k] = raw === 'true';
    else if (t === 'string' || t === 'enum') params[k] = raw;
    else {
      try {
        params[k] = JSON.parse(raw);
      } catch {
        return { error: `${k}: not valid JSON` };
      }
    }
  }
  for (const r of schema.required ?? []) if (!(r in params)) return { error: `${r}: required` };
  return { params };
}

export function SchemaForm({ schema, values, onChange }: { schema: JsonSchemaObject; values: Record<string, string>; onChange: (v: Record<string, string>) => void }) {
  const entries = Object.entries(schema.properties ?? {});
  const required = useMemo(() => new Set(schema.required ?? []), [schema]);
  const set = (k: string, v: string): void => onChange({ ...values, [k]: v });
  if (entries.length === 0) return <div className="muted small">No parameters.</div>;
  return (
    <div className="schema-form">
      {entries.map(([k, pRaw]) => {
        const p = pRaw as Prop;
        const t = typeOf(p);
        const desc = typeof p.description === 'string' ? p.description : '';
        const range = p.minimum !== undefined || p.maximum !== undefined ? ` [${String(p.minimum ?? '−∞')}, ${String(p.maximum ?? '∞')}]` : '';
        const val = values[k] ?? '';
        let input;
        if (t === 'boolean') {
          input = (
            <select value={val} onChange={(e) => set(k, e.target.value)} data-testid={`param-${k}`}>
              <option value="">(unset)</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          );
        } else if (Array.isArray(p.enum)) {
          input = (
            <select value={val} onChange={(e) => set(k, e.target.value)} data-testid={`param-${k}`}>
              <option value="">(unset)</option>
              {(p.enum as unknown[]).map((o) => (
                <option key={String(o)} value={String(o)}>
                  {String(o)}
                </option>
              ))}
            </select>
          );
        } else if (t === 'number' || t === 'integer') {
          input = <input type="number" step={t === 'integer' ? 1 : 'any'} min={p.minimum as number | undefined} max={p.maximum as number | undefined} value={val} onChange={(e) => set(k, e.target.value)} data-testid={`param-${k}`} />;
        } else if (t === 'string') {
          input = <input type="text" value={val} onChange={(e) => set(k, e.target.value)} data-testid={`param-${k}`} />;
        } else {
          input = <textarea rows={2} value={val} placeholder="JSON" onChange={(e) => set(k, e.target.value)} data-testid={`param-${k}`} />;
        }
        return (
          <label key={k} className="field" title={desc}>
            <span>
              {k}
              {required.has(k) ? ' *' : ''} <span className="muted small">{t}{range}</span>
            </span>
            {input}
            {desc ? <span className="muted small">{desc}</span> : null}
          </label>
        );
      })}
    </div>
  );
}
