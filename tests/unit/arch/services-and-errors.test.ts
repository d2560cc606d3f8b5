/**
 * The console's services are listed statically (src/main/app/services.ts) and, with ConsoleHost's core service,
 * handle every ConsoleApi method: a renamed factory or a dropped handler fails here instead of leaving a method
 * answering "not available in this build". And errorMessage() is the one way thrown values become text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_SERVICES } from '../../../src/main/app/services';
import { createLogger } from '../../../src/main/log';
import { consoleMethods } from '../../../src/shared/console-api';
import { coreMethods } from '../../../src/shared/console-api/core';
import { errorMessage } from '../../../src/shared/errors';
import { ConsoleApiError } from '../../../src/shared/console-api';

const dir = mkdtempSync(join(tmpdir(), 'arch-services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('console services', () => {
  it('core plus the listed services handle exactly the ConsoleApi methods, each once', async () => {
    const ctx = {
      mesh: () => {
        throw new Error('not connected');
      },
      push: () => undefined,
      logger: createLogger('test'),
      dataDir: dir,
    };
    const handled: string[] = Object.keys(coreMethods);
    for (const { area, create } of CONSOLE_SERVICES) {
      const service = await create(ctx);
      const names = Object.keys(service.handlers);
      expect(names.length, area).toBeGreaterThan(0);
      for (const n of names) expect(typeof (service.handlers as Record<string, unknown>)[n], `${area}.${n}`).toBe('function');
      handled.push(...names);
      await service.close();
    }
    expect([...handled].sort()).toEqual(Object.keys(consoleMethods).sort());
    expect(new Set(handled).size).toBe(handled.length);
    expect(CONSOLE_SERVICES.map((s) => s.area)).toEqual(['mcp', 'panorama', 'runner', 'record']);
  });
});

describe('errorMessage', () => {
  it('gives readable text for anything thrown (a thrown string or object is not "undefined")', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(new TypeError(''))).toBe('TypeError');
    expect(errorMessage('plain string')).toBe('plain string');
    expect(errorMessage({ message: 'from an object' })).toBe('from an object');
    expect(errorMessage({ code: 7 })).toBe('[object Object]');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(42)).toBe('42');
    // What the old `(err as Error).message` printed for a thrown string:
    expect(('plain string' as unknown as Error).message).toBeUndefined();
  });
  it('lint refuses the `(err as Error).message` cast in src (tests may show what it printed)', async () => {
    const eslint = new ESLint({ cwd: join(__dirname, '../../..') });
    const text = "export function f(err: unknown): string {\n  return (err as Error).message;\n}\n";
    const [inSrc] = await eslint.lintText(text, { filePath: join(__dirname, '../../../src/main/mesh/x.ts') });
    expect(inSrc.messages.map((m) => m.message).join('\n')).toContain('Use errorMessage(err)');
    const [inTests] = await eslint.lintText(text, { filePath: join(__dirname, 'x.ts') });
    expect(inTests.messages.filter((m) => m.ruleId === 'no-restricted-syntax')).toEqual([]);
  }, 30_000);
});

describe('errorMessage on a failed ConsoleApi call (the renderer uses the same helper)', () => {
  it('shows the reply\'s message, else the thrown value\'s text, and survives null', () => {
    expect(errorMessage(new ConsoleApiError({ code: 'bad_request', message: 'ttlS must be 1-600', field: 'ttlS' }))).toBe('ttlS must be 1-600');
    expect(errorMessage({ body: { code: 'unavailable', message: 'not connected' } })).toBe('not connected');
    expect(errorMessage(new Error('socket closed'))).toBe('socket closed');
    expect(errorMessage(null)).toBe('null');
  });
});
