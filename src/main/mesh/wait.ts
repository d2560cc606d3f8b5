/**
 * Joining a broker that may not be up yet. Configuration errors (bad URL, missing or unreadable credentials)
 * fail at once; a broker that does not answer does not: the caller starts anyway, says it is waiting, and the
 * connection is retried with backoff (1 s doubling to 10 s) until it is up or the wait is cancelled. Used by the
 * MCP bridge, the headless driver and the console's bring-up, so all three behave alike.
 */
import { errorMessage } from '../../shared/errors';
import type { Logger } from '../log';
import type { MeshConnection } from './connection';
import { openMesh, type OpenMeshOptions } from './open';
import { MeshError, type MeshConfig } from './types';

export interface RetryOptions {
  logger: Logger;
  /** Who waits, for the log line ("the bridge", "the driver"). */
  who: string;
  /** Where, for the log line (redacted broker URLs). */
  where: string;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Errors that retrying cannot fix (default: MeshError 'config'). */
  isFatal?: (err: unknown) => boolean;
}

export interface PendingConnection<T> {
  /** The value once connected, else null. */
  current(): T | null;
  /** Why the last attempt failed ('' when the first attempt succeeded). */
  lastError(): string;
  /** Resolves once connected; rejects when the wait ends otherwise (a fatal error, or cancel()). */
  readonly ready: Promise<T>;
  /** Stops retrying. A value that arrives afterwards is handed to `dispose`. Never closes a value already handed out. */
  cancel(): void;
}

const isConfigError = (err: unknown): boolean => err instanceof MeshError && err.code === 'config';

/**
 * Tries `attempt` once (a fatal error is thrown from here); when it fails otherwise, keeps retrying in the
 * background and returns at once with a pending handle.
 */
export async function connectWithRetry<T>(
  attempt: () => Promise<T>,
  dispose: (value: T) => Promise<unknown>,
  opts: RetryOptions,
): Promise<PendingConnection<T>> {
  const isFatal = opts.isFatal ?? isConfigError;
  const minDelay = opts.minDelayMs ?? 1_000;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  let value: T | null = null;
  let lastError = '';
  let cancelled = false;
  let timer: NodeJS.Timeout | null = null;
  let resolveReady!: (v: T) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<T>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Callers that never await `ready` (they poll current()) must not produce an unhandled rejection.
  ready.catch(() => undefined);

  try {
    value = await attempt();
    resolveReady(value);
  } catch (err) {
    if (isFatal(err)) throw err;
    lastError = errorMessage(err);
  }

  if (value === null) {
    let delay = minDelay;
    opts.logger.warn(`${lastError}; ${opts.who} is waiting for the broker at ${opts.where} (retrying every ${minDelay / 1000}-${maxDelay / 1000} s)`);
    const retry = (): void => {
      timer = setTimeout(() => {
        timer = null;
        attempt().then(
          (v) => {
            if (cancelled) {
              void dispose(v).catch(() => undefined);
              return;
            }
            value = v;
            opts.logger.info(`the broker at ${opts.where} is up; ${opts.who} joined it`);
            resolveReady(v);
          },
          (err: unknown) => {
            if (cancelled) return;
            if (isFatal(err)) {
              lastError = errorMessage(err);
              opts.logger.error(`${lastError}; ${opts.who} stops retrying`);
              rejectReady(err instanceof Error ? err : new Error(lastError));
              return;
            }
            const was = lastError;
            lastError = errorMessage(err);
            if (lastError !== was) opts.logger.warn(`still waiting for the broker at ${opts.where}: ${lastError}`);
            delay = Math.min(delay * 2, maxDelay);
            retry();
          },
        );
      }, delay);
    };
    retry();
  }

  return {
    current: () => value,
    lastError: () => lastError,
    ready,
    cancel: () => {
      if (cancelled) return;
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (value === null) rejectReady(new Error(`${opts.who} stopped waiting for the broker at ${opts.where}`));
    },
  };
}

/** `openMesh` that waits for an unreachable broker (see connectWithRetry). */
export function openMeshWithRetry(
  config: MeshConfig,
  opts: RetryOptions & { open?: OpenMeshOptions },
): Promise<PendingConnection<MeshConnection>> {
  return connectWithRetry(() => openMesh(config, opts.open), (c) => c.close(), opts);
}
