/**
 * Client configuration for the bridge: the exact Claude Desktop JSON entry / Claude Code command for this
 * machine, and writing the entry into Claude Desktop's config file (merge, backup of the previous file, temp file
 * then rename — never half a file, never a clobbered config we could not parse).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
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

/** Absolute path of bin/reachy-console.mjs in this install. */
export function binPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'reachy-console.mjs');
}

/** Claude Desktop's config file for this OS user. */
export function claudeDesktopConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Claude', 'claude_desktop_config.json');
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

/** Atomic write: temp file in the same folder, then rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, content, { encoding: 'utf8', mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Merges `mcpServers[serverName] = entry` into a Claude Desktop config (other servers and keys kept), after
 * copying the previous file to `<path>.bak-<timestamp>`. Refuses to touch a file that is not a JSON object.
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
        throw new Error(`${path} is not valid JSON (${(err as Error).message}); fix or move it first — it was not changed`, { cause: err });
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
