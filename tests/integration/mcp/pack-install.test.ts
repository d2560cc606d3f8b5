/**
 * The package installs where Claude runs it: `npm pack` (its prepack builds the out/cli bundle), then
 * `npm install -g --prefix <tmp> <tarball>`, then `<tmp>/bin/reachy-console mcp --sim` started from a folder outside
 * the checkout answers tools/list and a tool call, running the bundle. The install prefers npm's cache (filled by `npm ci`) and asks the registry only for what is missing;
 * without any registry it falls back to the unpacked tarball with the checkout's node_modules (the same package
 * files and bin, only the dependency download skipped), and says so.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { errorMessage } from '../../../src/shared/errors';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const NETWORK_ERRORS = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network/i;

describe('npm pack + global install into a temp prefix', () => {
  const work = mkdtempSync(join(tmpdir(), 'reachy-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gives a working reachy-console bin outside the checkout: mcp --sim lists the tools and answers a call', async () => {
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['bin/reachy-console.mjs', 'bin/entry.mjs', 'out/cli/reachy-console.mjs', 'src/main/app/cli.ts', 'src/main/mcp/server.ts', 'package.json', 'README.md']),
    );
    expect(files.some((f) => f.startsWith('tests/'))).toBe(false);
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');

    const prefix = join(work, 'prefix');
    let bin = join(prefix, 'bin', 'reachy-console');
    try {
      await run('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: work,
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (err) {
      const text = `${errorMessage(err)} ${(err as { stderr?: string }).stderr ?? ''}`;
      if (!NETWORK_ERRORS.test(text)) throw err;
      // No registry here: the same package files, dependencies from the checkout.
      console.warn(`pack-install: registry unreachable (${text.slice(0, 120)}); using the checkout's node_modules`);
      const pkg = join(prefix, 'lib', 'node_modules', 'reachy-mini-console');
      mkdirSync(pkg, { recursive: true });
      await run('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
      symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
      mkdirSync(join(prefix, 'bin'), { recursive: true });
      bin = join(prefix, 'bin', 'reachy-console');
      symlinkSync(join(pkg, 'bin', 'reachy-console.mjs'), bin);
    }
    expect(existsSync(bin)).toBe(true);
    // The installed package runs the bundle prepack built (no TypeScript compiled at start).
    const pkgRoot = join(prefix, 'lib', 'node_modules', 'reachy-mini-console');
    const { chooseEntry } = (await import(pathToFileURL(join(pkgRoot, 'bin', 'entry.mjs')).href)) as {
      chooseEntry(root: string, env?: Record<string, string | undefined>): { form?: string };
    };
    expect(chooseEntry(pkgRoot, {}).form).toBe('bundle');

    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const client = new Client({ name: 'pack-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: bin,
        args: ['mcp', '--sim'],
        cwd: elsewhere,
        stderr: 'ignore',
        env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '' },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['describe_fleet', 'get_device_functions', 'invoke_device', 'list_devices', 'wait_for_event']);
      const r = (await client.callTool({ name: 'describe_fleet', arguments: {} })) as { content: Array<{ text: string }> };
      expect(JSON.parse(r.content[0].text)).toMatchObject({ total_devices: 1, by_type: { reachy_mini: { count: 1 } } });
    } finally {
      await client.close();
    }
  }, 300_000);
});
