/** Small text formatters shared by the panels. */

/** A call's arguments on one line, cut to `max` characters (a log row, not the full record). */
export function argsText(args: unknown, max: number): string {
  let s: string;
  try {
    s = JSON.stringify(args) ?? String(args);
  } catch {
    s = String(args);
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
