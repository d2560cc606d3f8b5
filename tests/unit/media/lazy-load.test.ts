/**
 * The driver's and the simulator's media modules do not load sharp (libvips) or werift until a frame is encoded or
 * a WebRTC session starts: together they are about 65 MB resident, which a driver serving state and motion, or with
 * media on but unused, should not carry. Checked in a fresh process (this one has loaded them already).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const PROBE = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const loaded = () => ({
  sharp: readFileSync('/proc/self/maps', 'utf8').includes('libvips'),
  werift: Object.keys(require.cache).some((k) => k.includes('/node_modules/werift/')),
});
await import('./src/main/driver/start.ts');
await import('./src/main/sim/media/index.ts');
await import('./src/main/media/index.ts');
await import('./src/main/app/commands/driver.ts');
const before = loaded();
const lazy = await import('./src/main/media/lazy.ts');
await lazy.loadSharp();
await lazy.loadWerift();
process.stdout.write(JSON.stringify({ before, after: loaded() }));
`;

describe.runIf(process.platform === 'linux')('media libraries load on first use', () => {
  it('importing the driver and sim media loads neither sharp nor werift; loading them is seen', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out) as { before: { sharp: boolean; werift: boolean }; after: { sharp: boolean; werift: boolean } };
    expect(r.before).toEqual({ sharp: false, werift: false });
    expect(r.after).toEqual({ sharp: true, werift: true });
  });
});
