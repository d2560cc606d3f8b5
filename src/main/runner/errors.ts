/** Errors as values with codes, so callers (CLI, console, tests) can tell a timeout from a policy's own error. */
import { errorMessage as messageOf } from '../../shared/errors';

export type RunnerErrorCode =
  | 'transport_timeout'
  | 'transport_closed'
  | 'transport_connect'
  | 'policy_error' // the server answered with a typed error
  | 'protocol' // a malformed or unexpected reply
  | 'observe_failed'
  | 'apply_failed'
  | 'aborted';

export class RunnerError extends Error {
  readonly code: RunnerErrorCode;
  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
  }
}

/** A bad config (YAML or inline); `path` names the bad field, e.g. `target.timeout_s`. */
export class ConfigError extends Error {
  readonly path: string;
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'ConfigError';
    this.issues = issues;
    this.path = issues[0]?.path ?? '';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof RunnerError) return `${err.code}: ${err.message}`;
  return messageOf(err);
}
