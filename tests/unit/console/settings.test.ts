import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSettingsStore } from '../../../src/main/console/settings';
import { addLogSink, setStderrLogging, type LogRecord } from '../../../src/main/log';

const tmp = () => mkdtempSync(join(tmpdir(), 'console-settings-'));

describe('console settings', () => {
  it('reads the prior driver app file, env overrides it, and saving keeps unknown keys', () => {
    const dir = tmp();
    const path = join(dir, 'device_connect_app.json');
    writeFileSync(
      path,
      JSON.stringify({ use_portal: false, device_id: 'bench-bot', tenant: 'lab', messaging_backend: 'nats', messaging_urls: 'nats://10.0.0.2:4222', nats_credentials_file: '/k/x.creds.json', reachy_target: '10.0.0.9:8000', simulate: false, mhp_rig: 'r1' }),
    );
    const s = createSettingsStore(path, {}).load();
    expect(s).toMatchObject({ deviceId: 'bench-bot', target: '10.0.0.9:8000', mesh: { kind: 'nats', urls: ['nats://10.0.0.2:4222'], tenant: 'lab', credentialsFile: '/k/x.creds.json' } });

    const env = { TENANT: 'other', REACHY_SIM: 'true', MESSAGING_URLS: 'nats://a:1,nats://b:2' };
    expect(createSettingsStore(path, env).load()).toMatchObject({ target: 'sim', mesh: { tenant: 'other', urls: ['nats://a:1', 'nats://b:2'] } });

    const store = createSettingsStore(path, {});
    store.save({ ...s, deviceId: 'renamed', stateHz: 10 });
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc).toMatchObject({ device_id: 'renamed', mhp_rig: 'r1', use_portal: false, state_hz: 10, tenant: 'lab' });
    expect(readdirSync(dir)).toEqual(['device_connect_app.json']); // no temp file left behind
  });

  it('defaults to the local mesh and the simulator without a file', () => {
    expect(createSettingsStore(join(tmp(), 'none.json'), {}).load()).toEqual({ mesh: { kind: 'local' }, target: 'sim', deviceId: 'reachy-mini-1', stateHz: 20, media: true, simMode: 'robot' });
  });

  it('names the bad field of an invalid file and does not overwrite it on load', () => {
    const path = join(tmp(), 's.json');
    writeFileSync(path, JSON.stringify({ device_id: '../bad id' }));
    expect(() => createSettingsStore(path, {}).load()).toThrow(/deviceId/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ device_id: '../bad id' });
  });

  it('a corrupt file is reported (file and parse error), kept under a time-suffixed name, and never overwritten', () => {
    setStderrLogging(false);
    const logs: LogRecord[] = [];
    const off = addLogSink((r) => logs.push(r));
    try {
      const dir = tmp();
      const path = join(dir, 'device_connect_app.json');
      const original = '{ "messaging_backend": "nats", "messaging_urls": "nats://10.0.0.2:4222", "nats_credentials_file": "/k/x.creds.json", "mhp_rig": "r1", ';
      writeFileSync(path, original);
      const store = createSettingsStore(path, {});
      const s = store.load();
      expect(s.mesh.kind).toBe('local');

      // Said loudly: the file, the parse error, where it was kept.
      const err = logs.find((r) => r.level === 'error');
      expect(err?.message).toContain(path);
      expect(err?.message).toMatch(/JSON/);
      const kept = readdirSync(dir).filter((n) => n.startsWith('device_connect_app.json.unreadable-'));
      expect(kept).toHaveLength(1);
      expect(err?.message).toContain(kept[0]);
      expect(readFileSync(join(dir, kept[0]), 'utf8')).toBe(original);

      // Saving writes a fresh file; the kept copy is untouched.
      store.save({ ...s, deviceId: 'after' });
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ device_id: 'after' });
      expect(readFileSync(join(dir, kept[0]), 'utf8')).toBe(original);

      // A file that turns unreadable between load and save is not overwritten either: it is kept aside first.
      const second = '{"device_id": "x",';
      writeFileSync(path, second);
      store.save({ ...s, deviceId: 'again' });
      const keptNow = readdirSync(dir).filter((n) => n.startsWith('device_connect_app.json.unreadable-'));
      expect(keptNow).toHaveLength(2);
      expect(keptNow.map((n) => readFileSync(join(dir, n), 'utf8')).sort()).toEqual([original, second].sort());
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ device_id: 'again' });
    } finally {
      off();
      setStderrLogging(true);
    }
  });
});
