/**
 * Invoke records are written without a copy when compactForRecord would not change them: the JSON written must be
 * the same either way.
 */
import { describe, expect, it } from 'vitest';
import { compactForRecord, compactIfNeeded } from '../../../src/main/record/tap';

const long = 'x'.repeat(5000);
let deep: unknown = { leaf: 1 };
for (let i = 0; i < 20; i++) deep = { d: deep };

const cases: Array<[string, unknown]> = [
  ['small status', { ok: true, owner: null, head_pose: { x: 0, y: 1.5 }, antennas: [0, -10.25], name: 'r1' }],
  ['empty', {}],
  ['scalars', 42],
  ['undefined', undefined],
  ['null', null],
  ['long string at top', long],
  ['long string nested', { frame: { data_b64: long, format: 'jpeg' } }],
  ['long string in array', [1, [long]]],
  ['undefined member', { a: 1, b: undefined }],
  ['undefined in array', [1, undefined, 3]],
  ['date', { at: new Date(1_800_000_000_000) }],
  ['class instance', { m: new Map([[1, 2]]) }],
  ['null prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ['too deep', deep],
];

describe('compactIfNeeded', () => {
  it.each(cases)('%s: same JSON as compactForRecord', (_name, value) => {
    expect(JSON.stringify(compactIfNeeded(value))).toBe(JSON.stringify(compactForRecord(value)));
  });

  it('returns a plain small document as it is (no copy)', () => {
    const doc = { ok: true, list: [1, 2, { a: 'b' }] };
    expect(compactIfNeeded(doc)).toBe(doc);
  });
});
