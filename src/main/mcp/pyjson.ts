/**
 * JSON text the way the reference bridge writes it (Python `json.dumps`): `indent=2` for results, the default
 * `", "` / `": "` separators for one-line errors, and `ensure_ascii` escaping so agents see byte-identical text
 * (e.g. the em dash of the small-fleet hint is `\u2014`).
 */
function asciiEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x00-\x7f]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** `json.dumps(value, indent=2)`. */
export function dumpsIndent(value: unknown): string {
  return asciiEscape(JSON.stringify(value, null, 2) ?? 'null');
}

/** `json.dumps(value)`: one line with Python's separators. */
export function dumps(value: unknown): string {
  return asciiEscape(compact(value));
}

function compact(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if ('toJSON' in value && typeof (value as { toJSON: unknown }).toJSON === 'function') {
    return compact((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : compact(v))).join(', ') + ']';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue;
    parts.push(JSON.stringify(k) + ': ' + compact(v));
  }
  return '{' + parts.join(', ') + '}';
}

/** Python's float repr for the timeout seconds in error text: 5 -> "5.0", 2.5 -> "2.5". */
export function pyFloat(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
