/** Log records are one line and bounded, whatever a caller put in the text; clipText marks what it cut. */
import { afterEach, describe, expect, it } from 'vitest';
import { addLogSink, createLogger, formatLogLine, setStderrLogging, type LogRecord } from '../../../src/main/log';
import { clipText, utf8Length } from '../../../src/shared/bounded';

describe('logger', () => {
  const records: LogRecord[] = [];
  const off = addLogSink((r) => records.push(r));
  setStderrLogging(false);
  afterEach(() => {
    records.length = 0;
  });

  it('escapes newlines and control characters, so a caller cannot forge a line', () => {
    const log = createLogger('driver');
    log.warn('interlock tripped: oops\n2026-01-01T00:00:00.000Z INFO  [driver] interlock reset\r\t\u001b[31m\u0000\u0085\u2028end');
    const line = formatLogLine(records[0]);
    expect(line.split('\n')).toHaveLength(1);
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line).toMatch(
      /\[driver\] interlock tripped: oops\\n2026-01-01T00:00:00\.000Z INFO {2}\[driver\] interlock reset\\r\\t\\u001b\[31m\\u0000\\u0085\\u2028end$/,
    );
  });

  it('bounds the message and the scope', () => {
    createLogger('x\ny'.repeat(1000)).info('m'.repeat(1_000_000));
    const r = records[0];
    expect(r.message).toMatch(/^m{4000}…\(1000000 bytes\)$/);
    expect(r.scope.length).toBeLessThan(300);
    expect(r.scope).not.toContain('\n');
  });

  it('leaves ordinary text alone', () => {
    createLogger('mesh/dev-1').info('serving device-connect.default.dev-1.cmd (d2d presence, local) — 20 Hz, 65°');
    expect(records[0].message).toBe('serving device-connect.default.dev-1.cmd (d2d presence, local) — 20 Hz, 65°');
  });

  it.sequential('sink removal works', () => {
    off();
    createLogger('t').info('after');
    expect(records).toHaveLength(0);
  });
});

describe('clipText', () => {
  it('keeps short text and marks a cut with the full UTF-8 size', () => {
    expect(clipText('abc', 5)).toBe('abc');
    expect(clipText('abcdef', 3)).toBe('abc…(6 bytes)');
    expect(clipText('é'.repeat(10), 4)).toBe('éééé…(20 bytes)');
  });

  it('never splits a surrogate pair', () => {
    const s = 'a😀😀';
    expect(clipText(s, 2)).toBe('a…(9 bytes)');
    expect(utf8Length('😀')).toBe(4);
  });
});
