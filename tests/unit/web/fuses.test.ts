/**
 * The packaged app's fuses: applied with @electron/fuses to a stand-in binary that carries Electron's fuse wire
 * (the real binary is not available here), read back, and checked.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { applyFuses, checkFuses, FuseState, REQUIRED_FUSES } from '../../../src/main/app/fuses';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const { ENABLE: E, DISABLE: D } = FuseState;

/** Bytes around a V1 fuse wire with Electron's defaults (RunAsNode on, NODE_OPTIONS on, inspect on, ...). */
function fakeElectron(): string {
  const wire = [E, D, E, E, D, D, D, E, E];
  const bytes = Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(SENTINEL), Buffer.from([1, wire.length, ...wire]), Buffer.alloc(4096, 7)]);
  const file = join(mkdtempSync(join(tmpdir(), 'fuses-')), 'reachy-console');
  writeFileSync(file, bytes);
  return file;
}

describe('Electron fuses for the packaged app', () => {
  it('declares the hardening fuses', () => {
    expect(Object.fromEntries(REQUIRED_FUSES.map((f) => [f.name, f.enabled]))).toEqual({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
    });
  });

  it('flags a default Electron binary, then flips every required fuse and only those', async () => {
    const bin = fakeElectron();
    const before = await checkFuses(bin);
    expect(before.ok).toBe(false);
    expect(before.lines.filter((l) => l.startsWith('BAD'))).toHaveLength(7);
    const size = readFileSync(bin).length;
    const after = await applyFuses(bin);
    expect(after.ok).toBe(true);
    const wire = await getCurrentFuseWire(bin);
    expect(wire[FuseV1Options.RunAsNode]).toBe(D);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(D);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(D);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(E);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(E);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(E);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(D);
    // Fuses this app does not set keep Electron's value.
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(D);
    expect(wire[8 as FuseV1Options]).toBe(E); // a fuse newer than this library's table keeps its byte too
    expect(readFileSync(bin).length).toBe(size);
  });
});
