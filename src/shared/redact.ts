/**
 * Secrets out of anything a user may attach to a bug report: credentials in URLs, tokens in query strings and
 * headers, JWTs, NATS nkey seeds, and the values of fields whose name says they hold a secret. Used on both sides
 * (the host's diagnostics and the page's own part of it).
 */
const SECRET_KEY = /(pass(word)?|secret|token|jwt|seed|nkey|credential|api[_-]?key|authorization|cookie)/i;

export function redactText(s: string): string {
  return s
    .replace(/\/\/[^/@\s"']*@/g, '//***@')
    .replace(/([?&](?:token|access_token|key|password|secret)=)[^&\s"']+/gi, '$1***')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***')
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, '[jwt redacted]')
    .replace(/\bS[UOACN][A-Z2-7]{40,}\b/g, '[nkey seed redacted]')
    .replace(/(-----BEGIN [A-Z ]+-----)[\s\S]*?(-----END [A-Z ]+-----)/g, '$1 [redacted] $2');
}

/** Deep copy with every secret-named field's value replaced and every string scrubbed. */
export function redactDeep(v: unknown, depth = 0): unknown {
  if (depth > 12) return '[too deep]';
  if (typeof v === 'string') return redactText(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined && typeof x !== 'boolean' ? '[redacted]' : redactDeep(x, depth + 1);
    }
    return out;
  }
  return v;
}
