/**
 * A result's JSON text handed to the runtime with the value (docs/ARCHITECTURE.md, "Invoke hot path"): a handler that
 * assembles its reply from cached, already serialised pieces (get_status) spares the runtime serialising the whole
 * value again on every call. The text must be exactly `JSON.stringify(value)`; the value still goes to invoke
 * observers and to in-process callers of the handler.
 *
 * One slot, matched by identity: the runtime serialises a synchronous handler's result in the same tick, so it finds
 * the text; a result that comes later may find the slot taken by another call and is then serialised as usual. (A
 * WeakMap entry per call made every garbage collection walk thousands of dead entries at high call rates.)
 */
let last: { value: object; json: string } | null = null;

/** Registers `json` as the serialisation of `value` (which must not be mutated afterwards) and returns `value`. */
export function withJsonText<T extends object>(value: T, json: string): T {
  last = { value, json };
  return value;
}

/** The text registered for `value`, if it is the latest registered value. */
export function jsonTextOf(value: unknown): string | undefined {
  return last !== null && last.value === value ? last.json : undefined;
}
