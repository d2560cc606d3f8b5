/** The settings API as the page uses it: the token rides in the Authorization header, never in a URL. */
import type { Check, CredentialsSummary, DriverStatus, FieldError, FieldName, SettingsFields } from '../shared/robot-app';

export type { SettingsFields, FieldError, FieldName, CredentialsSummary, DriverStatus, Check };

export interface SettingsView {
  settings: SettingsFields;
  effective: SettingsFields;
  overridden: Partial<Record<FieldName, string>>;
  errors: FieldError[];
  defaults: SettingsFields;
  file: string;
  file_exists: boolean;
  kept_keys: string[];
  credentials: CredentialsSummary;
}

export interface ValidationView {
  ok: boolean;
  checks: Check[];
  errors: FieldError[];
  credentials: CredentialsSummary;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

const KEY = 'reachy-app-token';

/** Takes the token from `#token=…` (then removes it from the address bar) or from this browser's storage for this page. */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (m) {
    localStorage.setItem(KEY, m[1]);
    history.replaceState(null, '', window.location.pathname);
    return m[1];
  }
  return localStorage.getItem(KEY);
}

export function storeToken(t: string | null): void {
  if (t) localStorage.setItem(KEY, t);
  else localStorage.removeItem(KEY);
}

export async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload });
  const json = (await res.json().catch(() => ({}))) as { error?: string; errors?: FieldError[] };
  if (!res.ok) throw new ApiError(res.status, json.error ?? `HTTP ${res.status}`, json.errors ?? []);
  return json as T;
}
