/**
 * A result's JSON text handed to the runtime with the value (docs/ARCHITECTURE.md, "Invoke hot path"): a handler that
 * assembles its reply from cached, already serialised pieces (get_status) spares the runtime serialising the whole
 * value again on every call. The text must be exactly `JSON.stringify(value)`; the value still goes to invoke
 * observers and to in-process callers of the handler.
 */
const texts = new WeakMap<object, string>();

/** Registers `json` as the serialisation of `value` (which must not be mutated afterwards) and returns `value`. */
export function withJsonText<T extends object>(value: T, json: string): T {
  texts.set(value, json);
  return value;
}

/** The text registered for `value`, if any. */
export function jsonTextOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
