/**
 * The one way to turn a thrown value into text for a log line, a reply or the UI. `(err as Error).message` prints
 * `undefined` for a thrown string or object; this never does.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  // A ConsoleApi error body that lost its class on the way (structured clone): { body: { code, message } }.
  const body = err !== null && typeof err === 'object' ? (err as { body?: { message?: unknown } }).body : undefined;
  if (body && typeof body.message === 'string') return body.message;
  return String(err);
}
