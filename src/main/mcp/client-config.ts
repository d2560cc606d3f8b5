/**
 * Client configuration for the bridge: the exact Claude Desktop JSON entry / Claude Code command for this
 * machine, and writing the entry into Claude Desktop's config file (merge, backup of the previous file, temp file
 * then rename — never half a file, never a clobbered config we could not parse).
 *
 * Writing is limited to where a Claude Desktop config belongs: this OS user's Claude Desktop config file, or a file
 * the user chose in the desktop app's native Save dialog (handed to the UI as a one-time token, never as a path the
 * UI could make up). Only the Claude folder itself may be created, and only inside an existing parent; symbolic
 * links are not written through.
 */
import { errorMessage } from '../../shared/errors';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, realpath, rename, writeFile, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeshSettings } from '../../shared/console-api/core';
import type { McpClientKind, McpTarget, McpWriteResult } from '../../shared/console-api/mcp';

export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ConfigRequest {
  client: McpClientKind;
  target: McpTarget;
  serverName: string;
  mesh?: MeshSettings;
  allow?: string[];
  readOnly: boolean;
  launcher: 'node' | 'npx';
  /** For target console: the console-hosted bridge URL. */
  consoleUrl?: string;
  /** Where stdio bridges append their tool calls for the console's log. */
  callLogFile?: string;
}

/** Absolute path of bin/reachy-console.mjs in this install (from the sources or from the out/cli bundle). */
export function binPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'bin', 'reachy-console.mjs');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'reachy-console.mjs');
}

export const CLAUDE_DESKTOP_CONFIG_NAME = 'claude_desktop_config.json';

/** This OS user's home: $HOME (or %USERPROFILE%) as the user's tools see it, else the account's home. */
function homeOf(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  const fromEnv = platform === 'win32' ? (env.USERPROFILE ?? env.HOME) : env.HOME;
  return fromEnv && pathFor(platform).isAbsolute(fromEnv) ? fromEnv : homedir();
}

const pathFor = (platform: NodeJS.Platform): typeof path.posix => (platform === 'win32' ? path.win32 : path.posix);

/** Claude Desktop's config file for this OS user. */
export function claudeDesktopConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const p = pathFor(platform);
  const home = homeOf(platform, env);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Claude', CLAUDE_DESKTOP_CONFIG_NAME);
  if (platform === 'win32') {
    const appData = env.APPDATA && p.isAbsolute(env.APPDATA) ? env.APPDATA : p.join(home, 'AppData', 'Roaming');
    return p.join(appData, 'Claude', CLAUDE_DESKTOP_CONFIG_NAME);
  }
  const xdg = env.XDG_CONFIG_HOME && p.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : p.join(home, '.config');
  return p.join(xdg, 'Claude', CLAUDE_DESKTOP_CONFIG_NAME);
}

/** The stdio server entry (command, args, env) for a target; throws a readable Error when impossible. */
export function serverEntry(req: ConfigRequest): ServerEntry {
  if (req.target === 'console') throw new Error('target console is an HTTP endpoint, not a command; use the URL');
  const base = req.launcher === 'npx' ? { command: 'npx', args: ['reachy-console'] } : { command: process.execPath, args: [binPath()] };
  const args = [...base.args, 'mcp'];
  const env: Record<string, string> = {};
  if (req.target === 'sim') {
    args.push('--sim');
  } else {
    const mesh = req.mesh;
    if (!mesh || mesh.kind !== 'nats') {
      throw new Error(
        "target mesh needs a NATS mesh (the console's local mesh lives inside the console process); " +
          'connect the console to NATS, or use target console or sim',
      );
    }
    env.NATS_URL = mesh.urls.join(',');
    if (mesh.tenant !== 'default') env.TENANT = mesh.tenant;
    env.DEVICE_CONNECT_DISCOVERY_MODE = mesh.discoveryMode;
    if (mesh.credentialsFile) env.MESSAGING_CREDENTIALS_FILE = mesh.credentialsFile;
    if (mesh.allowInsecure) env.DEVICE_CONNECT_ALLOW_INSECURE = 'true';
  }
  if (req.readOnly) args.push('--read-only');
  if (req.allow && req.allow.length) args.push('--allow', req.allow.join(','));
  if (req.callLogFile) args.push('--call-log', req.callLogFile);
  return Object.keys(env).length ? { command: base.command, args, env } : { command: base.command, args };
}

const shellQuote = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface ConfigText {
  text: string;
  path?: string;
  note: string;
}

export function clientConfigText(req: ConfigRequest): ConfigText {
  const note =
    req.target === 'sim'
      ? 'The agent gets its own simulated Reachy Mini (no broker, no hardware).'
      : req.target === 'mesh'
        ? 'The agent reaches every device on the NATS mesh the console is connected to.'
        : 'The agent uses the bridge hosted by this console (its mesh, its tool-call log) while the console runs.';
  if (req.target === 'console') {
    if (!req.consoleUrl) throw new Error('start the console-hosted bridge first (mcpStart) to get its URL');
    if (req.client === 'claude-code') {
      return { text: `claude mcp add --transport http ${req.serverName} ${req.consoleUrl}`, note };
    }
    const entry = { command: 'npx', args: ['-y', 'mcp-remote', req.consoleUrl] };
    return {
      text: JSON.stringify({ mcpServers: { [req.serverName]: entry } }, null, 2),
      path: claudeDesktopConfigPath(),
      note: `${note} Claude Desktop speaks stdio, so this uses the mcp-remote adapter.`,
    };
  }
  const entry = serverEntry(req);
  if (req.client === 'claude-code') {
    const envFlags = Object.entries(entry.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const words = ['claude', 'mcp', 'add', req.serverName, ...envFlags, '--', entry.command, ...entry.args];
    return { text: words.map(shellQuote).join(' '), note };
  }
  return {
    text: JSON.stringify({ mcpServers: { [req.serverName]: entry } }, null, 2),
    path: claudeDesktopConfigPath(),
    note,
  };
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** Atomic write: temp file in the same (existing) folder, then rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, content, { encoding: 'utf8', mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------ where to write

/** A file the user chose in a native dialog, by one-time token. */
const PICK_TTL_MS = 10 * 60_000;
const picked = new Map<string, { path: string; expires: number }>();
export const PICKED_TOKEN_PATTERN = /^picked:[A-Za-z0-9_-]{24}$/;

/** Opens the desktop app's native Save dialog; resolves to the chosen absolute path, or null when cancelled. */
export type ConfigPathPicker = (defaultPath: string) => Promise<string | null>;
let pathPicker: ConfigPathPicker | null = null;

/** The desktop app installs its native dialog here; browser mode has none, so only the default file is writable. */
export function setConfigPathPicker(picker: ConfigPathPicker | null): void {
  pathPicker = picker;
}

/** Remembers a path the user chose in a native dialog and returns the token that stands for it. */
export function registerPickedConfigPath(chosen: string, now = Date.now()): string {
  for (const [k, v] of picked) if (v.expires <= now) picked.delete(k);
  const token = `picked:${randomBytes(18).toString('base64url')}`;
  picked.set(token, { path: chosen, expires: now + PICK_TTL_MS });
  return token;
}

/** Shows the native Save dialog (desktop app only); null when the user cancelled. */
export async function pickClientConfigPath(): Promise<{ token: string; path: string } | null> {
  if (!pathPicker) {
    throw new Error(
      `choosing a file is only available in the desktop app; browser mode writes only this user's Claude Desktop config (${claudeDesktopConfigPath()})`,
    );
  }
  const chosen = await pathPicker(claudeDesktopConfigPath());
  if (!chosen) return null;
  if (!path.isAbsolute(chosen) || path.basename(chosen) !== CLAUDE_DESKTOP_CONFIG_NAME) {
    throw new Error(`the chosen file must be named ${CLAUDE_DESKTOP_CONFIG_NAME} (got ${path.basename(chosen).slice(0, 80)})`);
  }
  return { token: registerPickedConfigPath(chosen), path: chosen };
}

export interface WriteTarget {
  path: string;
  /** The one folder that may be created when missing (the Claude folder of the default location), else null. */
  creatableDir: string | null;
}

const shown = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…(${s.length} chars)` : s);

/**
 * Where a client-config write may go: the default location (no path, or exactly that path), or a file the user
 * chose in the native dialog (its token). Anything else — other folders, `..`, relative paths — is refused.
 */
export function resolveWriteTarget(requested: string | undefined, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, now = Date.now()): WriteTarget {
  const p = pathFor(platform);
  const def = claudeDesktopConfigPath(platform, env);
  const defaultTarget: WriteTarget = { path: def, creatableDir: p.dirname(def) };
  if (requested === undefined) return defaultTarget;
  if (requested.startsWith('picked:')) {
    const hit = PICKED_TOKEN_PATTERN.test(requested) ? picked.get(requested) : undefined;
    if (!hit || hit.expires <= now) {
      if (hit) picked.delete(requested);
      throw new Error('path: the file choice is unknown or expired; choose the file again');
    }
    picked.delete(requested);
    return { path: hit.path, creatableDir: null };
  }
  const parts = requested.split(/[\\/]+/);
  if (parts.includes('..') || !p.isAbsolute(requested) || p.normalize(requested) !== def) {
    throw new Error(
      `path: only this user's Claude Desktop config (${def}) can be written, or a file chosen with "Choose file…" in the desktop app; refused ${shown(requested)}`,
    );
  }
  return defaultTarget;
}

/**
 * Checks the target on disk before writing: the folder exists (or is the Claude folder, created inside an existing
 * parent), is not a symbolic link to somewhere else, and the file, when present, is a regular file, not a link.
 */
export async function prepareWriteTarget(target: WriteTarget): Promise<void> {
  const dir = dirname(target.path);
  const stat = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!stat) {
    if (target.creatableDir !== dir) throw new Error(`the folder ${dir} does not exist; nothing was written`);
    const parent = dirname(dir);
    const parentStat = await lstat(parent).catch(() => null);
    if (!parentStat || !(parentStat.isDirectory() || parentStat.isSymbolicLink())) {
      throw new Error(`the folder ${parent} does not exist (is Claude Desktop installed?); nothing was written`);
    }
    await mkdir(dir, { mode: 0o700 }); // one level, never a chain of folders
  } else if (target.creatableDir !== null) {
    // The default location: the Claude folder itself must be that folder, not a link that moves the write
    // elsewhere (links further up, e.g. a linked ~/.config, are the user's own setup).
    if (stat.isSymbolicLink()) throw new Error(`${dir} is a symbolic link; the console does not write through links — nothing was written`);
    if (!stat.isDirectory()) throw new Error(`${dir} is not a folder; nothing was written`);
    const [realDir, realParent] = await Promise.all([realpath(dir), realpath(dirname(dir))]);
    const same = (a: string, b: string): boolean => (process.platform === 'linux' ? a === b : a.toLowerCase() === b.toLowerCase());
    if (!same(realDir, join(realParent, path.basename(dir)))) throw new Error(`${dir} resolves elsewhere (${realDir}); nothing was written`);
  } else if (!(await realpath(dir).then(async (r) => (await lstat(r)).isDirectory()))) {
    // A folder the user chose in the dialog.
    throw new Error(`${dir} is not a folder; nothing was written`);
  }
  const file = await lstat(target.path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (file && file.isSymbolicLink()) {
    throw new Error(`${target.path} is a symbolic link; the console does not write through links — edit the file it points to yourself`);
  }
  if (file && !file.isFile()) throw new Error(`${target.path} is not a regular file; nothing was written`);
}

/** Resolves, checks and writes a Claude Desktop config entry (see resolveWriteTarget for where it may go). */
export async function writeClientConfig(
  requested: string | undefined,
  serverName: string,
  entry: ServerEntry | Record<string, unknown>,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): Promise<McpWriteResult> {
  const target = resolveWriteTarget(requested, platform, env);
  await prepareWriteTarget(target);
  return writeClaudeDesktopConfig(target.path, serverName, entry);
}

/**
 * Merges `mcpServers[serverName] = entry` into a Claude Desktop config (other servers and keys kept), after
 * copying the previous file to `<path>.bak-<timestamp>`. Refuses to touch a file that is not a JSON object.
 * The path must already be vetted (writeClientConfig does that); its folder must exist.
 */
export async function writeClaudeDesktopConfig(path: string, serverName: string, entry: ServerEntry | Record<string, unknown>): Promise<McpWriteResult> {
  let doc: Record<string, unknown> = {};
  let backupPath: string | null = null;
  if (existsSync(path)) {
    const raw = await readFile(path, 'utf8');
    if (raw.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        throw new Error(`${path} is not valid JSON (${errorMessage(err)}); fix or move it first — it was not changed`, { cause: err });
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`${path} does not hold a JSON object; it was not changed`);
      }
      doc = parsed as Record<string, unknown>;
    }
    backupPath = `${path}.bak-${stamp()}`;
    await copyFile(path, backupPath);
  }
  const servers = doc.mcpServers;
  if (servers !== undefined && (servers === null || typeof servers !== 'object' || Array.isArray(servers))) {
    throw new Error(`${path}: "mcpServers" is not an object; it was not changed`);
  }
  const merged = { ...((servers as Record<string, unknown> | undefined) ?? {}), [serverName]: entry };
  doc.mcpServers = merged;
  await writeFileAtomic(path, JSON.stringify(doc, null, 2) + '\n');
  return { path, backupPath, serverName, servers: Object.keys(merged) };
}
