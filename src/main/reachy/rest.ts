/** REST calls to the daemon with a timeout; failures become DaemonError with status and FastAPI detail. */
import { DaemonError } from './types';

export interface RestOptions {
  baseUrl: string;
  timeoutMs: number;
}

export async function restCall<T = unknown>(o: RestOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(o.baseUrl + path, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timed out after ${o.timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new DaemonError(`${method} ${path}: ${why}`, null);
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    // plain-text body (e.g. a 500 "Internal Server Error")
  }
  if (!res.ok) {
    const detail = parsed !== null && typeof parsed === 'object' && 'detail' in parsed ? (parsed as { detail: unknown }).detail : parsed;
    const msg = typeof detail === 'string' ? detail : JSON.stringify(detail);
    throw new DaemonError(`${method} ${path} → HTTP ${res.status}: ${msg}`, res.status, detail);
  }
  return parsed as T;
}
