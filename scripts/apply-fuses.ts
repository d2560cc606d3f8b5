/**
 * `npm run fuses -- <packaged Electron binary or .app> [--check]`: sets the fuses a packaged Reachy Mini Console
 * must have (src/main/app/fuses.ts) and prints each; `--check` only reads them and exits 1 when one is wrong.
 * Run it on the packaged app before signing (on macOS, signing afterwards covers the flipped bytes).
 */
import { existsSync } from 'node:fs';
import { applyFuses, checkFuses } from '../src/main/app/fuses';

async function main(argv: string[]): Promise<number> {
  const checkOnly = argv.includes('--check');
  const target = argv.find((a) => !a.startsWith('--'));
  if (!target || argv.includes('--help')) {
    process.stderr.write('usage: npm run fuses -- <packaged Electron binary or .app> [--check]\n');
    return 2;
  }
  if (!existsSync(target)) {
    process.stderr.write(`apply-fuses: ${target} does not exist\n`);
    return 2;
  }
  try {
    const result = checkOnly ? await checkFuses(target) : await applyFuses(target, { resetAdHocDarwinSignature: process.platform === 'darwin' && process.arch === 'arm64' });
    process.stdout.write(`${result.lines.join('\n')}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`apply-fuses: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
