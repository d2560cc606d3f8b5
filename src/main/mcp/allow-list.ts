/**
 * What the bridge lets an agent invoke, for cautious deployments: `--allow get_status,get_*` (name patterns) and the
 * `--read-only` preset. Both read the labels each device declares on its functions (`access: read | motion |
 * control`, `stop: "true"`), so nothing here knows a robot's function names:
 * - `--read-only` allows the functions labelled `access: read`;
 * - a function labelled as a stop is always allowed, whatever the list: stopping must never be refused;
 * - everything else must match an `--allow` pattern.
 * The bridge refuses any other call before anything reaches the mesh.
 */
import { z } from 'zod';
import type { Labels } from '../../shared/wire';

const entry = z
  .string()
  .regex(/^[A-Za-z0-9_*-]{1,128}$/, 'function names are letters, digits, _ and - (a trailing or inner * is a wildcard)');

export const allowListSchema = z.array(entry).max(256);

/** How a function declares what it does (its `access` label), plus `stop` for functions that only stop. */
export type FunctionAccess = 'read' | 'motion' | 'control' | 'stop' | 'unlabelled';

function labelValue(labels: Labels | null | undefined, key: string): string | undefined {
  const v = labels?.[key];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** The access class a function's labels declare; `stop` wins over its `access` label. */
export function accessOf(labels: Labels | null | undefined): FunctionAccess {
  const stop = labelValue(labels, 'stop');
  if (stop === 'true' || labelValue(labels, 'access') === 'stop') return 'stop';
  const access = labelValue(labels, 'access');
  return access === 'read' || access === 'motion' || access === 'control' ? access : 'unlabelled';
}

/** MCP tool annotations for `invoke_device` on a bridge with this allow-list. */
export interface InvokeAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
}

export interface AllowList {
  /** Name patterns as given (for messages and the UI). */
  readonly patterns: readonly string[];
  /** `--read-only`: functions labelled `access: read` are allowed too. */
  readonly readOnly: boolean;
  /** True when the name alone decides (a pattern matches); otherwise the labels are needed. */
  allowsName(fn: string): boolean;
  /**
   * Null when the call may go ahead, else the refusal sentence. `labels` are the function's declared labels
   * (undefined when the device or the function is not known to discovery).
   */
  check(fn: string, labels: Labels | null | undefined, known: boolean): string | null;
  /** What an agent's client should assume about `invoke_device` through this bridge. */
  annotations(): InvokeAnnotations;
  describe(): string;
}

function toRegex(pattern: string): RegExp {
  const body = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/** Builds an allow-list; throws a readable Error naming the bad entry. */
export function createAllowList(patterns: readonly string[], readOnly = false): AllowList {
  const parsed = allowListSchema.safeParse(patterns);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const bad = issue?.path.length ? `'${String(patterns[Number(issue.path[0])])}'` : 'the list';
    throw new Error(`--allow: ${bad} is not valid: ${issue?.message ?? 'invalid'}`);
  }
  const regexes = parsed.data.map(toRegex);
  const list = [...parsed.data];
  const allowsName = (fn: string): boolean => regexes.some((r) => r.test(fn));
  const describe = (): string => {
    const parts: string[] = [];
    if (readOnly) parts.push('functions labelled access=read');
    if (list.length) parts.push(`names matching ${list.join(', ')}`);
    parts.push('functions labelled as a stop (always)');
    return parts.join('; ');
  };
  return {
    patterns: list,
    readOnly,
    allowsName,
    describe,
    check(fn, labels, known) {
      if (allowsName(fn)) return null;
      const access = accessOf(labels);
      if (access === 'stop') return null;
      if (readOnly && access === 'read') return null;
      const why = !known
        ? 'its device or function is not known to discovery, so its labels cannot be checked'
        : access === 'unlabelled'
          ? 'it declares no access label'
          : `it is labelled access=${access}`;
      return (
        `Function '${fn}' is not allowed by this bridge's allow-list (allowed: ${describe()}); ${why}. ` +
        'Ask the operator to widen --allow or drop --read-only.'
      );
    },
    annotations() {
      // Only a read-only preset without extra names is known to leave the world as it is; a stop changes the
      // robot's state but never destroys anything.
      if (readOnly && list.length === 0) return { readOnlyHint: false, destructiveHint: false };
      return { readOnlyHint: false, destructiveHint: true };
    },
  };
}

/** Parses `--allow a,b,c` (commas and/or spaces) plus `--read-only`; null when no restriction was asked. */
export function allowListFromFlags(allow: string | undefined, readOnly: boolean): AllowList | null {
  if (!readOnly && allow === undefined) return null;
  const names = (allow ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return createAllowList(names, readOnly);
}
