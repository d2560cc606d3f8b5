import { describe, expect, it } from 'vitest';
import { redactDeep, redactText } from '../../src/shared/redact';
import { ConnectionHistory, hostDiagnostics } from '../../src/main/console/diagnostics';
import type { ConsoleSnapshot } from '../../src/shared/console-api';

const snap = (mesh: ConsoleSnapshot['mesh']['status'], driverLink?: string): ConsoleSnapshot =>
  ({
    mesh: { kind: 'nats', status: mesh, urls: ['nats://***@h:4222'], tenant: 'default', discoveryMode: 'd2d', hasCredentials: true },
    sim: { running: false },
    driver: driverLink ? { running: true, deviceId: 'r1', target: 'sim', link: driverLink } : { running: false },
    consoleDeviceId: 'console-x',
    operatorOwner: 'operator',
  }) as unknown as ConsoleSnapshot;

describe('diagnostics', () => {
  it('scrubs credentials from text and from secret-named fields', () => {
    expect(redactText('connect nats://bob:s3cret@broker:4222 failed')).toBe('connect nats://***@broker:4222 failed');
    expect(redactText('GET /api?token=abcdef123456&x=1')).toBe('GET /api?token=***&x=1');
    expect(redactText('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: Bearer ***');
    expect(redactText('seed SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY done')).toBe('seed [nkey seed redacted] done');
    const d = redactDeep({ mesh: { urls: ['nats://u:pw@h:1'], password: 'x', token: 'y', hasCredentials: true }, n: 3 });
    expect(d).toEqual({ mesh: { urls: ['nats://***@h:1'], password: '[redacted]', token: '[redacted]', hasCredentials: true }, n: 3 });
  });

  it('keeps one entry per change of the connections, not per snapshot', () => {
    const h = new ConnectionHistory();
    h.record(snap('connecting'), 1);
    h.record(snap('connected'), 2);
    h.record(snap('connected'), 3);
    h.record(snap('connected', 'connected'), 4);
    h.record(snap('reconnecting', 'lost: ECONNREFUSED'), 5);
    expect(h.list().map((c) => c.ts)).toEqual([1, 2, 4, 5]);
    expect(h.list()[3]).toMatchObject({ mesh: 'nats reconnecting', driver: 'r1 → sim: lost: ECONNREFUSED' });
  });

  it('exports versions, redacted settings and scrubbed logs', () => {
    const d = hostDiagnostics({
      settings: { mesh: { kind: 'nats', urls: ['nats://bob:s3cret@h:4222'], credentialsFile: '/home/bob/.nkeys/creds/secret.creds', tenant: 'default', discoveryMode: 'd2d', allowInsecure: false }, target: 'sim', deviceId: 'r1', stateHz: 20, media: true, simMode: 'robot' },
      snapshot: snap('connected'),
      logs: [{ ts: 1, level: 'error', scope: 'mesh', message: 'cannot reach nats://bob:s3cret@h:4222' }],
      history: [],
    });
    const text = JSON.stringify(d);
    expect(text).not.toMatch(/s3cret|secret\.creds|\.nkeys/);
    expect(d.versions.node).toBe(process.versions.node);
    expect(d.versions.app).toMatch(/^\d+\.\d+\.\d+/);
    expect(d.logs[0].message).toBe('cannot reach nats://***@h:4222');
  });
});
