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
  return String(err);
}
