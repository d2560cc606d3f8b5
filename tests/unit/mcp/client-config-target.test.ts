/**
 * Writing the Claude Desktop config goes only where that config belongs: this OS user's Claude Desktop config
 * (with a temp HOME here), or a file the user chose in the desktop app's native dialog (a one-time token). Other
 * folders, `..`, relative paths and symbolic links are refused, and no folder outside the Claude folder is created.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claudeDesktopConfigPath,
  registerPickedConfigPath,
  resolveWriteTarget,
  setConfigPathPicker,
  writeClientConfig,
} from '../../../src/main/mcp/client-config';
import { createMcpService } from '../../../src/main/mcp/console-service';
import { createLogger, setStderrLogging } from '../../../src/main/log';

setStderrLogging(false);

const entry = { command: 'npx', args: ['reachy-console', 'mcp', '--sim'] };
let home: string;
let env: NodeJS.ProcessEnv;
const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cfg-home-'));
  mkdirSync(join(home, '.config'));
  env = { HOME: home };
  process.env.HOME = home;
  delete process.env.XDG_CONFIG_HOME;
});
afterEach(() => {
  process.env.HOME = saved.HOME;
  if (saved.XDG_CONFIG_HOME === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = saved.XDG_CONFIG_HOME;
  setConfigPathPicker(null);
});

describe('where the Claude Desktop config may be written', () => {
  it('knows the location on each OS', () => {
    expect(claudeDesktopConfigPath('linux', { HOME: '/home/ann' })).toBe('/home/ann/.config/Claude/claude_desktop_config.json');
    expect(claudeDesktopConfigPath('darwin', { HOME: '/Users/ann' })).toBe('/Users/ann/Library/Application Support/Claude/claude_desktop_config.json');
    expect(claudeDesktopConfigPath('win32', { USERPROFILE: 'C:\\Users\\ann', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' })).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    );
  });

  it('on Windows too, accepts only %APPDATA%\\Claude\\claude_desktop_config.json', () => {
    const win = { USERPROFILE: 'C:\\Users\\ann', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' };
    const def = 'C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json';
    expect(resolveWriteTarget(def, 'win32', win)).toEqual({ path: def, creatableDir: 'C:\\Users\\ann\\AppData\\Roaming\\Claude' });
    for (const p of [
      'C:\\Users\\ann\\AppData\\Roaming\\Claude\\..\\..\\Startup\\claude_desktop_config.json',
      'C:\\Windows\\claude_desktop_config.json',
      '\\\\server\\share\\claude_desktop_config.json',
    ]) {
      expect(() => resolveWriteTarget(p, 'win32', win), p).toThrow(/only this user's Claude Desktop config/);
    }
  });

  it('writes the allowed location, creating only the Claude folder', async () => {
    const res = await writeClientConfig(undefined, 'reachy', entry, 'linux', env);
    const expected = join(home, '.config', 'Claude', 'claude_desktop_config.json');
    expect(res).toMatchObject({ path: expected, backupPath: null, servers: ['reachy'] });
    expect(JSON.parse(readFileSync(expected, 'utf8'))).toEqual({ mcpServers: { reachy: entry } });
    // The same path spelled out is the same target.
    const again = await writeClientConfig(expected, 'other', entry, 'linux', env);
    expect(again.servers).toEqual(['reachy', 'other']);
  });

  it('refuses `..`, other folders and relative paths, and creates nothing', async () => {
    const outside = join(home, 'evil');
    const attempts = [
      join(home, '.config', 'Claude', '..', '..', 'evil', 'claude_desktop_config.json'),
      `${home}/.config/Claude/../Claude/claude_desktop_config.json`,
      join(outside, 'deep', 'claude_desktop_config.json'),
      join(tmpdir(), 'claude_desktop_config.json'),
      'claude_desktop_config.json',
      '.config/Claude/claude_desktop_config.json',
    ];
    for (const p of attempts) {
      await expect(writeClientConfig(p, 'reachy', entry, 'linux', env)).rejects.toThrow(/only this user's Claude Desktop config .* can be written/);
    }
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(home, '.config', 'Claude'))).toBe(false);
  });

  it('never creates a chain of folders: the parent of the Claude folder must exist', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'cfg-bare-'));
    await expect(writeClientConfig(undefined, 'reachy', entry, 'linux', { HOME: bare })).rejects.toThrow(/\.config does not exist/);
    expect(readdirSync(bare)).toEqual([]);
  });

  it('does not write through symbolic links (the Claude folder or the file itself)', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cfg-elsewhere-'));
    symlinkSync(elsewhere, join(home, '.config', 'Claude'));
    await expect(writeClientConfig(undefined, 'reachy', entry, 'linux', env)).rejects.toThrow(/symbolic link/);
    expect(readdirSync(elsewhere)).toEqual([]);

    const home2 = mkdtempSync(join(tmpdir(), 'cfg-home2-'));
    mkdirSync(join(home2, '.config', 'Claude'), { recursive: true });
    const target = join(elsewhere, 'secret.json');
    writeFileSync(target, '{"keep":true}');
    symlinkSync(target, join(home2, '.config', 'Claude', 'claude_desktop_config.json'));
    await expect(writeClientConfig(undefined, 'reachy', entry, 'linux', { HOME: home2 })).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('{"keep":true}');
  });

  it('accepts a file chosen in the native dialog once, by token, and never creates its folder', async () => {
    const chosenDir = mkdtempSync(join(tmpdir(), 'cfg-chosen-'));
    const chosen = join(chosenDir, 'claude_desktop_config.json');
    const token = registerPickedConfigPath(chosen);
    expect(resolveWriteTarget(token, 'linux', env)).toEqual({ path: chosen, creatableDir: null });
    expect(() => resolveWriteTarget(token, 'linux', env)).toThrow(/unknown or expired/);
    const t2 = registerPickedConfigPath(chosen);
    expect((await writeClientConfig(t2, 'reachy', entry, 'linux', env)).path).toBe(chosen);
    expect(() => resolveWriteTarget('picked:AAAAAAAAAAAAAAAAAAAAAAAA', 'linux', env)).toThrow(/unknown or expired/);
    const gone = registerPickedConfigPath(join(chosenDir, 'missing', 'claude_desktop_config.json'));
    await expect(writeClientConfig(gone, 'reachy', entry, 'linux', env)).rejects.toThrow(/does not exist/);
    expect(existsSync(join(chosenDir, 'missing'))).toBe(false);
  });
});

describe('console mcp service: mcpWriteClientConfig / mcpChooseClientConfigFile', () => {
  const service = () =>
    createMcpService({
      mesh: () => {
        throw new Error('no mesh');
      },
      push: () => undefined,
      logger: createLogger('test'),
      dataDir: mkdtempSync(join(tmpdir(), 'cfg-data-')),
    });
  const base = { client: 'claude-desktop' as const, target: 'sim' as const, serverName: 'reachy', readOnly: false, launcher: 'npx' as const };

  it('writes the default location and refuses any other path', async () => {
    const svc = service();
    try {
      const res = (await svc.handlers.mcpWriteClientConfig({ ...base })) as { path: string };
      expect(res.path).toBe(join(home, '.config', 'Claude', 'claude_desktop_config.json'));
      await expect(svc.handlers.mcpWriteClientConfig({ ...base, path: join(home, 'x', '..', 'claude_desktop_config.json') })).rejects.toThrow(/refused/);
      expect(existsSync(join(home, 'claude_desktop_config.json'))).toBe(false);
    } finally {
      await svc.close();
    }
  });

  it('without a native dialog (browser mode) answers that choosing a file is unavailable; with one, hands back a token', async () => {
    const svc = service();
    try {
      await expect(svc.handlers.mcpChooseClientConfigFile({})).rejects.toMatchObject({ body: { code: 'unavailable', message: expect.stringMatching(/only available in the desktop app/) } });
      const dir = mkdtempSync(join(tmpdir(), 'cfg-dialog-'));
      setConfigPathPicker(async () => join(dir, 'claude_desktop_config.json'));
      const pick = (await svc.handlers.mcpChooseClientConfigFile({})) as { token: string; path: string };
      expect(pick.path).toBe(join(dir, 'claude_desktop_config.json'));
      const res = (await svc.handlers.mcpWriteClientConfig({ ...base, path: pick.token })) as { path: string };
      expect(res.path).toBe(pick.path);
      setConfigPathPicker(async () => null);
      expect(await svc.handlers.mcpChooseClientConfigFile({})).toBeNull();
    } finally {
      await svc.close();
    }
  });
});
