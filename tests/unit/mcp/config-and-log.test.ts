import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfigText, serverEntry, writeClaudeDesktopConfig, binPath } from '../../../src/main/mcp/client-config';
import { allowListFromFlags, createAllowList } from '../../../src/main/mcp/allow-list';
import { appendCallRecord, tailCallLog } from '../../../src/main/mcp/call-log';
import { dumps, dumpsIndent, pyFloat } from '../../../src/main/mcp/pyjson';
import type { McpCallRecord } from '../../../src/shared/console-api/mcp';

const dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
afterAll(() => undefined);

const base = { serverName: 'reachy', readOnly: false, launcher: 'npx' as const };

describe('client configuration', () => {
  it('gives the Claude Code command and the Claude Desktop JSON for the sim and a NATS mesh', () => {
    expect(clientConfigText({ ...base, client: 'claude-code', target: 'sim' }).text).toBe('claude mcp add reachy -- npx reachy-console mcp --sim');
    const desktop = JSON.parse(clientConfigText({ ...base, client: 'claude-desktop', target: 'sim', readOnly: true }).text);
    expect(desktop).toEqual({ mcpServers: { reachy: { command: 'npx', args: ['reachy-console', 'mcp', '--sim', '--read-only'] } } });
    const mesh = { kind: 'nats' as const, urls: ['nats://lab:4222'], tenant: 'lab', discoveryMode: 'infra' as const, credentialsFile: '/etc/dc/agent.creds.json', allowInsecure: false };
    const code = clientConfigText({ ...base, client: 'claude-code', target: 'mesh', mesh }).text;
    expect(code).toBe(
      'claude mcp add reachy -e NATS_URL=nats://lab:4222 -e TENANT=lab -e DEVICE_CONNECT_DISCOVERY_MODE=infra ' +
        '-e MESSAGING_CREDENTIALS_FILE=/etc/dc/agent.creds.json -- npx reachy-console mcp',
    );
    expect(() => serverEntry({ ...base, client: 'claude-desktop', target: 'mesh', mesh: { kind: 'local' } })).toThrow(/NATS mesh/);
    const node = serverEntry({ ...base, launcher: 'node', client: 'claude-desktop', target: 'sim', allow: ['get_status', 'get_*'] });
    expect(node).toEqual({ command: process.execPath, args: [binPath(), 'mcp', '--sim', '--allow', 'get_status,get_*'] });
    expect(existsSync(binPath())).toBe(true);
  });

  it('writes Claude Desktop config: merges, backs up the old file, refuses a file it cannot parse', async () => {
    const path = join(dir, 'claude_desktop_config.json');
    const first = await writeClaudeDesktopConfig(path, 'reachy', { command: 'npx', args: ['reachy-console', 'mcp', '--sim'] });
    expect(first.backupPath).toBeNull();
    writeFileSync(path, JSON.stringify({ mcpServers: { other: { command: 'x', args: [] } }, theme: 'dark' }));
    const second = await writeClaudeDesktopConfig(path, 'reachy', { command: 'npx', args: ['reachy-console', 'mcp'] });
    expect(second.servers).toEqual(['other', 'reachy']);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc.theme).toBe('dark');
    expect(doc.mcpServers.other).toEqual({ command: 'x', args: [] });
    expect(doc.mcpServers.reachy.args).toEqual(['reachy-console', 'mcp']);
    expect(JSON.parse(readFileSync(second.backupPath!, 'utf8')).mcpServers.other).toBeDefined();

    writeFileSync(path, '{ not json');
    await expect(writeClaudeDesktopConfig(path, 'reachy', { command: 'x', args: [] })).rejects.toThrow(/not valid JSON.*not changed/);
    expect(readFileSync(path, 'utf8')).toBe('{ not json');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('examples/claude_desktop_config.json', () => {
  it('holds absolute-path entries of an installed reachy-console with the arguments the generator writes', () => {
    const doc = JSON.parse(readFileSync(join(binPath(), '..', '..', 'examples', 'claude_desktop_config.json'), 'utf8'));
    // Claude Desktop does not run a login shell: an absolute command works wherever it runs, `npx` does not.
    for (const entry of Object.values(doc.mcpServers) as Array<{ command: string }>) expect(entry.command).toMatch(/^\/.*\/bin\/reachy-console$/);
    const generated = serverEntry({ ...base, launcher: 'node', client: 'claude-desktop', target: 'sim' });
    expect(doc.mcpServers['reachy-sim'].args).toEqual(generated.args.slice(1));
    const lab = doc.mcpServers['reachy-lab'];
    expect(lab.args).toEqual(['mcp', '--read-only']);
    expect(Object.keys(lab.env)).toEqual(expect.arrayContaining(['NATS_URL', 'MESSAGING_CREDENTIALS_FILE', 'TENANT']));
  });
});

describe('allow-list', () => {
  it('matches names and wildcards, presets read-only, and rejects bad entries', () => {
    const a = createAllowList(['get_*', 'capture_video_frame']);
    expect(a.allowsName('get_status')).toBe(true);
    expect(a.allowsName('capture_video_frame')).toBe(true);
    expect(a.allowsName('look_at_world')).toBe(false);
    expect(a.allowsName('xget_status')).toBe(false);
    expect(allowListFromFlags(undefined, false)).toBeNull();
    // --read-only decides by the labels a device declares, not by names.
    const ro = allowListFromFlags(undefined, true)!;
    expect(ro.check('get_joints', { group: 'state', access: 'read' }, true)).toBeNull();
    expect(ro.check('wake_up', { group: 'motion', access: 'motion' }, true)).toMatch(/^Function 'wake_up' is not allowed .*labelled access=motion/);
    expect(ro.check('stop_motion', { group: 'motion', access: 'motion', stop: 'true' }, true)).toBeNull();
    expect(ro.check('get_reading', null, true)).toMatch(/declares no access label/);
    expect(ro.check('get_status', null, false)).toMatch(/not known to discovery/);
    // A stop passes any allow-list.
    expect(a.check('stop_motion', { access: 'motion', stop: 'true' }, true)).toBeNull();
    expect(a.check('look_at_world', { access: 'motion' }, true)).toMatch(/not allowed/);
    expect(ro.annotations()).toEqual({ readOnlyHint: false, destructiveHint: false });
    expect(a.annotations().destructiveHint).toBe(true);
    expect(() => allowListFromFlags('get_status,set;x', false)).toThrow(/'set;x'/);
  });
});

describe('python-style JSON text', () => {
  it('matches json.dumps separators, indent=2 and ensure_ascii', () => {
    expect(dumps({ success: false, error: 'a — b', n: [1, 2] })).toBe('{"success": false, "error": "a \\u2014 b", "n": [1, 2]}');
    expect(dumpsIndent({ a: [], b: {} })).toBe('{\n  "a": [],\n  "b": {}\n}');
    expect(pyFloat(5)).toBe('5.0');
    expect(pyFloat(0.25)).toBe('0.25');
  });
});

describe('call log file', () => {
  it('a tailer sees records appended after it started', async () => {
    const file = join(dir, 'calls.jsonl');
    const rec = (tool: string): McpCallRecord => ({ ts: Date.now(), tool, arguments: {}, ok: true, summary: 's', elapsedMs: 1 });
    appendCallRecord(file, rec('old'));
    const seen: string[] = [];
    const stop = tailCallLog(file, (r) => seen.push(r.tool), 50);
    await new Promise((r) => setTimeout(r, 120));
    appendCallRecord(file, rec('describe_fleet'));
    appendCallRecord(file, rec('invoke_device'));
    await expect.poll(() => seen).toEqual(['describe_fleet', 'invoke_device']);
    stop();
  });
});
