/**
 * The Electron fuses a packaged Reachy Mini Console must have. Fuses are bits in the Electron binary itself, so
 * they hold whatever the environment or command line says: no running the app as plain Node, no NODE_OPTIONS,
 * no --inspect, cookies encrypted, the app code loaded only from an integrity-checked app.asar, and no extra
 * file:// privileges (the page comes from app://console/). Applied by `npm run fuses -- <packaged binary>`.
 */
import { flipFuses, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';

/** The bytes of a fuse in Electron's fuse wire (@electron/fuses 1.x does not export its enum). */
export const FuseState = { DISABLE: 48, ENABLE: 49, REMOVED: 114 } as const;

export const REQUIRED_FUSES: ReadonlyArray<{ fuse: FuseV1Options; name: string; enabled: boolean }> = [
  { fuse: FuseV1Options.RunAsNode, name: 'RunAsNode', enabled: false },
  { fuse: FuseV1Options.EnableNodeOptionsEnvironmentVariable, name: 'EnableNodeOptionsEnvironmentVariable', enabled: false },
  { fuse: FuseV1Options.EnableNodeCliInspectArguments, name: 'EnableNodeCliInspectArguments', enabled: false },
  { fuse: FuseV1Options.EnableCookieEncryption, name: 'EnableCookieEncryption', enabled: true },
  { fuse: FuseV1Options.EnableEmbeddedAsarIntegrityValidation, name: 'EnableEmbeddedAsarIntegrityValidation', enabled: true },
  { fuse: FuseV1Options.OnlyLoadAppFromAsar, name: 'OnlyLoadAppFromAsar', enabled: true },
  { fuse: FuseV1Options.GrantFileProtocolExtraPrivileges, name: 'GrantFileProtocolExtraPrivileges', enabled: false },
];

export interface FuseCheck {
  ok: boolean;
  /** One line per required fuse: name, wanted, found. */
  lines: string[];
}

/** Reads the fuse wire of an Electron binary (or .app bundle) and compares it with REQUIRED_FUSES. */
export async function checkFuses(electronBinary: string): Promise<FuseCheck> {
  const wire = await getCurrentFuseWire(electronBinary);
  const lines: string[] = [];
  let ok = true;
  for (const f of REQUIRED_FUSES) {
    const state: number | undefined = wire[f.fuse];
    const found = state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : state === FuseState.REMOVED ? 'removed' : 'missing';
    const want = f.enabled ? 'on' : 'off';
    // A fuse Electron removed cannot be set; 'removed' is acceptable only for fuses we want off.
    const good = found === want || (found === 'removed' && !f.enabled);
    if (!good) ok = false;
    lines.push(`${good ? 'ok  ' : 'BAD '} ${f.name}: want ${want}, found ${found}`);
  }
  return { ok, lines };
}

/** Flips REQUIRED_FUSES in a packaged Electron binary, then reads them back; throws when any did not take. */
export async function applyFuses(electronBinary: string, opts: { resetAdHocDarwinSignature?: boolean } = {}): Promise<FuseCheck> {
  const config: Partial<Record<FuseV1Options, boolean>> = {};
  for (const f of REQUIRED_FUSES) config[f.fuse] = f.enabled;
  await flipFuses(electronBinary, { version: FuseVersion.V1, resetAdHocDarwinSignature: opts.resetAdHocDarwinSignature ?? false, ...config });
  const check = await checkFuses(electronBinary);
  if (!check.ok) throw new Error(`fuses not applied to ${electronBinary}:\n${check.lines.join('\n')}`);
  return check;
}
