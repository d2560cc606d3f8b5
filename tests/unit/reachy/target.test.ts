import { describe, expect, it } from 'vitest';
import { resolveTarget, targetForSimulator, transportModeFromEnv } from '../../../src/main/reachy/target';

describe('daemon target resolution', () => {
  it('resolves flags: --host (port 8000), --target host:port, --target sim, --sim', () => {
    expect(resolveTarget({ host: 'reachy-mini.local', env: {} })).toEqual({ kind: 'host', host: 'reachy-mini.local', port: 8000, baseUrl: 'http://reachy-mini.local:8000' });
    expect(resolveTarget({ target: '192.168.1.42:8001', env: {} }).baseUrl).toBe('http://192.168.1.42:8001');
    expect(resolveTarget({ target: '[::1]:9000', env: {} })).toMatchObject({ host: '::1', port: 9000, baseUrl: 'http://[::1]:9000' });
    expect(resolveTarget({ target: 'http://robot:8000/', env: {} })).toMatchObject({ host: 'robot', port: 8000 });
    expect(resolveTarget({ target: 'sim', env: {} }).kind).toBe('sim');
    expect(resolveTarget({ sim: true, host: 'x', env: {} }).kind).toBe('sim');
  });

  it('reads REACHY_SIM, REACHY_TARGET, REACHY_HOST, with flags winning over env', () => {
    expect(resolveTarget({ env: { REACHY_SIM: 'true' } }).kind).toBe('sim');
    expect(resolveTarget({ env: { REACHY_SIM: 'false', REACHY_TARGET: 'r:1234' } }).port).toBe(1234);
    expect(resolveTarget({ env: { REACHY_HOST: 'robot.local' } }).baseUrl).toBe('http://robot.local:8000');
    expect(resolveTarget({ host: 'flag-host', env: { REACHY_TARGET: 'env-host:1' } }).host).toBe('flag-host');
    expect(resolveTarget({ env: {} }).baseUrl).toBe('http://localhost:8000');
    expect(resolveTarget({ env: {}, fallback: 'sim' }).kind).toBe('sim');
  });

  it('rejects bad values naming the field and the allowed range', () => {
    expect(() => resolveTarget({ target: 'robot:99999', env: {} })).toThrow(/--target=robot:99999.*\[1, 65535\]/);
    expect(() => resolveTarget({ target: 'robot:abc', env: {} })).toThrow(/port/);
    expect(() => resolveTarget({ host: 'bad host', env: {} })).toThrow(/--host/);
    expect(() => resolveTarget({ env: { REACHY_SIM: 'maybe' } })).toThrow(/REACHY_SIM=maybe/);
    expect(() => transportModeFromEnv({ REACHY_TRANSPORT_MODE: 'zenoh' })).toThrow(/auto, websocket, http/);
    expect(transportModeFromEnv({ REACHY_TRANSPORT_MODE: 'HTTP' })).toBe('http');
  });

  it('makes a sim target for a running simulator', () => {
    expect(targetForSimulator({ host: '127.0.0.1', port: 4321 })).toEqual({ kind: 'sim', host: '127.0.0.1', port: 4321, baseUrl: 'http://127.0.0.1:4321' });
  });
});
