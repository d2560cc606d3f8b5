/**
 * One request path for every host (browser-mode WebSocket, Electron IPC): parse the frame, find the method in the
 * shared table, validate the params with its zod schema, then route. Bad input gets an error reply and never
 * reaches a handler, so it changes nothing.
 */
import { errorMessage } from '../../shared/errors';
import { z } from 'zod';
import {
  ConsoleApiError,
  consoleMethods,
  describeZodError,
  requestFrame,
  type ApiErrorBody,
  type ConsoleMethodName,
  type ReplyFrame,
} from '../../shared/console-api';
import { MeshError } from '../mesh';

export type Route = (method: ConsoleMethodName, input: unknown) => Promise<unknown>;

export function isConsoleMethod(name: string): name is ConsoleMethodName {
  return Object.prototype.hasOwnProperty.call(consoleMethods, name);
}

/** Validates params for `method`; returns the parsed input or an error body naming the field. */
export function validateParams(method: string, params: unknown): { ok: true; input: unknown } | { ok: false; error: ApiErrorBody } {
  if (!isConsoleMethod(method)) {
    return { ok: false, error: { code: 'not_found', message: `unknown method '${method.slice(0, 64)}'` } };
  }
  const schema = consoleMethods[method].input as z.ZodType;
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const { message, field } = describeZodError(parsed.error);
    return { ok: false, error: { code: 'bad_request', message: `${method}: ${message}`, field } };
  }
  return { ok: true, input: parsed.data };
}

/** Maps any thrown value to the error body the UI shows. */
export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof ConsoleApiError) return err.body;
  if (err instanceof MeshError) {
    const code: ApiErrorBody['code'] =
      err.code === 'timeout'
        ? 'timeout'
        : err.code === 'no_responders' || err.code === 'not_connected'
          ? 'unavailable'
          : err.code === 'invalid_request' || err.code === 'config'
            ? 'bad_request'
            : 'device_error';
    return { code, message: err.message };
  }
  if (err instanceof z.ZodError) {
    const { message, field } = describeZodError(err);
    return { code: 'bad_request', message, field };
  }
  return { code: 'internal', message: errorMessage(err) };
}

/** Handles one raw frame (already JSON-decoded) and always resolves to a reply. */
export async function dispatchFrame(raw: unknown, route: Route): Promise<ReplyFrame> {
  const frame = requestFrame.safeParse(raw);
  if (!frame.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? ((raw as { id: number }).id) : null;
    const { message } = describeZodError(frame.error);
    return { id: id !== null && Number.isInteger(id) && id >= 0 ? id : null, ok: false, error: { code: 'bad_request', message: `malformed request: ${message}` } };
  }
  const { id, method, params } = frame.data;
  const checked = validateParams(method, params);
  if (!checked.ok) return { id, ok: false, error: checked.error };
  try {
    const result = await route(method as ConsoleMethodName, checked.input);
    return { id, ok: true, result: result ?? null };
  } catch (err) {
    return { id, ok: false, error: toErrorBody(err) };
  }
}

/** Decodes a text frame; bad JSON yields a reply rather than an exception. */
export async function dispatchText(text: string, route: Route): Promise<ReplyFrame> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { id: null, ok: false, error: { code: 'bad_request', message: 'malformed request: not JSON' } };
  }
  return dispatchFrame(raw, route);
}
