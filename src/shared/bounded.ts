/**
 * Bounding caller-supplied text before it is stored, echoed in a reply or event, or logged: a 1 MB "reason" must
 * not become a 1 MB state_event at 20 Hz, and an error message must not grow a reply past the payload cap.
 */

/** Longest echo of a caller's value inside an error message (characters). */
export const ECHO_MAX_CHARS = 200;
/** Longest caller-supplied label the driver stores (emergency-stop reason, device id of a trip...). */
export const STORED_TEXT_MAX_CHARS = 256;

/** UTF-8 byte length without allocating (works in the renderer too, no Buffer). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * `s` itself when it has at most `max` characters; otherwise its first `max` characters and a marker with the full
 * size, e.g. "xxxx…(1048576 bytes)", so a reader sees that it was cut and by how much.
 */
export function clipText(s: string, max: number = ECHO_MAX_CHARS): string {
  if (s.length <= max) return s;
  let end = max;
  const last = s.charCodeAt(end - 1);
  // Never leave half a surrogate pair.
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…(${utf8Length(s)} bytes)`;
}
