import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATCH_FILE, LatchStore } from '../../../src/main/driver/latch-store';
import { createLogger, setStderrLogging } from '../../../src/main/log';

setStderrLogging(false);
const log = createLogger('test');
const trip = { reason: 'E-STOP: hand in the workspace', source: 'operator' as const, from_device: 'console-x', ts: 1_700_000_000_000 };

describe('interlock latch record', () => {
  it('survives a new store on the same directory, follows the robot, and a reset clears it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-'));
    const a = new LatchStore(dir, log);
    a.note('r1', 'sim', trip);
    a.note('r1', 'sim', { ...trip, reason: 'a later cause', ts: trip.ts + 1000 });
    const b = new LatchStore(dir, log);
    expect(b.get('r1', 'sim')).toEqual(trip); // the first cause is kept
    expect(b.get('other-id', 'sim')).toEqual(trip); // same robot, another device id
    expect(b.get('r2', '10.0.0.9:8000')).toBeUndefined();
    b.note('r1', 'sim', null);
    expect(new LatchStore(dir, log).get('r1', 'sim')).toBeUndefined();
  });

  it('an unreadable record fails safe: every driver starts tripped until reset, and the file is kept aside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-'));
    writeFileSync(join(dir, LATCH_FILE), '{"version": 1, "latched": {');
    const s = new LatchStore(dir, log);
    expect(s.get('r1', 'sim')?.reason).toMatch(/could not be read/);
    const kept = readdirSync(dir).find((n) => n.startsWith(`${LATCH_FILE}.unreadable-`));
    expect(kept && readFileSync(join(dir, kept), 'utf8')).toBe('{"version": 1, "latched": {');
    s.note('r1', 'sim', null);
    expect(s.get('r1', 'sim')).toBeUndefined();
    expect(new LatchStore(dir, log).get('r1', 'sim')).toBeUndefined();
  });
});
