import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { meshConfigFromEnv, MeshError, validateNatsConfig, describeMeshConfig } from '../../../src/main/mesh';

const dir = mkdtempSync(join(tmpdir(), 'mesh-config-'));
const SEED = new TextDecoder().decode(nkeys.createUser().getSeed());
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl';

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): MeshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe('config');
    return err as MeshError;
  }
  throw new Error('expected a config error');
}

describe('meshConfigFromEnv: reference env parity', () => {
  it('no broker URL → local backend in D2D mode', () => {
    expect(meshConfigFromEnv({})).toEqual({
      backend: 'local',
      urls: [],
      tenant: 'default',
      discoveryMode: 'd2d',
      allowInsecure: false,
      requestTimeoutMs: 30_000,
    });
  });

  it('URLs from MESSAGING_URLS, then NATS_URLS, then NATS_URL; NATS defaults to infra discovery', () => {
    const c = meshConfigFromEnv({ MESSAGING_URLS: 'nats://a:4222, nats://b:4222', NATS_URL: 'nats://c:4222' });
    expect(c).toMatchObject({ backend: 'nats', urls: ['nats://a:4222', 'nats://b:4222'], discoveryMode: 'infra' });
    expect(meshConfigFromEnv({ NATS_URL: 'nats://c:4222' }).urls).toEqual(['nats://c:4222']);
    expect(meshConfigFromEnv({ NATS_URLS: 'nats://d:1', NATS_URL: 'nats://c:4222' }).urls).toEqual(['nats://d:1']);
  });

  it('discovery mode, tenant, insecure flag, TLS files (MESSAGING_TLS_* over NATS_TLS_*), timeout', () => {
    const c = meshConfigFromEnv({
      NATS_URL: 'tls://host:4222',
      DEVICE_CONNECT_DISCOVERY_MODE: 'P2P',
      TENANT: 'lab',
      DEVICE_CONNECT_ALLOW_INSECURE: 'Yes',
      MESSAGING_TLS_CA_FILE: '/ca.pem',
      NATS_TLS_CA_FILE: '/other.pem',
      NATS_TLS_CERT_FILE: '/cert.pem',
      NATS_TLS_KEY_FILE: '/key.pem',
      MCP_REQUEST_TIMEOUT: '5',
    });
    expect(c).toMatchObject({
      discoveryMode: 'd2d',
      tenant: 'lab',
      allowInsecure: true,
      tls: { caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem' },
      requestTimeoutMs: 5000,
    });
    expect(meshConfigFromEnv({ DEVICE_CONNECT_DISCOVERY_MODE: 'infra' }).discoveryMode).toBe('infra');
    expect(meshConfigFromEnv({ DEVICE_CONNECT_ALLOW_INSECURE: 'false' }).allowInsecure).toBe(false);
    expect(meshConfigFromEnv({ NATS_URL: 'nats://x:1' }, { tenant: 't2', discoveryMode: 'd2d' })).toMatchObject({
      tenant: 't2',
      discoveryMode: 'd2d',
    });
  });

  it('bad values are config errors naming the variable', () => {
    expect(configError(() => meshConfigFromEnv({ DEVICE_CONNECT_DISCOVERY_MODE: 'mesh' })).message).toMatch(
      /DEVICE_CONNECT_DISCOVERY_MODE='mesh' is not one of d2d, p2p, infra/,
    );
    expect(configError(() => meshConfigFromEnv({ TENANT: 'a.b' })).message).toMatch(/tenant 'a.b'/);
    expect(configError(() => meshConfigFromEnv({ MESSAGING_URLS: 'tcp/10.0.0.1:7447' })).message).toMatch(/Zenoh/);
    expect(configError(() => meshConfigFromEnv({ NATS_URL: 'mqtt://x' })).message).toMatch(/only nats:\/\/ and tls:\/\//);
    expect(configError(() => meshConfigFromEnv({ MESSAGING_BACKEND: 'zenoh' })).message).toMatch(/NATS only/);
    expect(configError(() => meshConfigFromEnv({ MCP_REQUEST_TIMEOUT: '-1' })).message).toMatch(/MCP_REQUEST_TIMEOUT/);
  });
});

describe('credentials files', () => {
  it('reads a portal .creds.json: urls, jwt, nkey seed and tenant', () => {
    const p = file(
      'dev.creds.json',
      JSON.stringify({ device_id: 'reachy-mini-1', auth_type: 'jwt', tenant: 'acme', nats: { urls: ['nats://broker:4222'], jwt: JWT, nkey_seed: SEED } }),
    );
    const c = meshConfigFromEnv({ MESSAGING_CREDENTIALS_FILE: p });
    expect(c).toMatchObject({ backend: 'nats', urls: ['nats://broker:4222'], tenant: 'acme', jwt: JWT, nkeySeed: SEED, credentialsFile: p });
    expect(() => validateNatsConfig(c)).not.toThrow();
    // Env URLs win over the file's; TENANT loses to the file's tenant (agent-tools order).
    expect(meshConfigFromEnv({ NATS_CREDENTIALS_FILE: p, NATS_URL: 'nats://other:1', TENANT: 'x' })).toMatchObject({
      urls: ['nats://other:1'],
      tenant: 'acme',
    });
    expect(describeMeshConfig(c)).not.toContain(SEED);
    expect(describeMeshConfig(c)).not.toContain(JWT);
  });

  it('reads an nsc .creds file', () => {
    const p = file(
      'user.creds',
      `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\n\n-----BEGIN USER NKEY SEED-----\n${SEED}\n------END USER NKEY SEED------\n`,
    );
    expect(meshConfigFromEnv({ MESSAGING_CREDENTIALS_FILE: p, NATS_URL: 'nats://h:4222' })).toMatchObject({ jwt: JWT, nkeySeed: SEED });
  });

  it('bad files: the error names the file and the problem, never the secret', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing.creds.json', '', /file not found/],
      ['empty.creds', '   ', /file is empty/],
      ['broken.creds.json', `{"nats": {"jwt": "${JWT}", "nkey_seed": "${SEED}"`, /not valid JSON/],
      ['nonats.creds.json', JSON.stringify({ zenoh: {} }), /no "nats" section/],
      ['nojwt.creds.json', JSON.stringify({ nats: { nkey_seed: SEED } }), /nats\.jwt is missing/],
      ['badjwt.creds.json', JSON.stringify({ nats: { jwt: 'abc', nkey_seed: SEED } }), /nats\.jwt is not a JWT/],
      ['badseed.creds.json', JSON.stringify({ nats: { jwt: JWT, nkey_seed: 'SUAAAAAAA' } }), /not a valid NATS nkey seed/],
      ['acctseed.creds.json', JSON.stringify({ nats: { jwt: JWT, nkey_seed: 'SAAGNJOZTRPYYXG2NJX3ZNGXYUSDYX2BWO447W3SHG6XQ7U66RWHQ3JUXM' } }), /should start with 'SU'/],
      ['badurls.creds.json', JSON.stringify({ nats: { jwt: JWT, nkey_seed: SEED, urls: 'nats://x' } }), /nats\.urls must be a list/],
      ['noseed.creds', `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------\n`, /no "BEGIN USER NKEY SEED" block/],
      ['garbage.creds', 'hello', /neither JSON/],
    ];
    for (const [name, text, why] of cases) {
      const p = name.startsWith('missing') ? join(dir, name) : file(name, text);
      const err = configError(() => meshConfigFromEnv({ MESSAGING_CREDENTIALS_FILE: p }));
      expect(err.message).toContain(`credentials file '${p}'`);
      expect(err.message).toMatch(why);
      expect(err.message).not.toContain(SEED);
    }
  });

  it('NATS needs credentials (JWT and seed) unless insecure; tls:// needs a CA file', () => {
    const base = meshConfigFromEnv({ NATS_URL: 'nats://h:4222' });
    expect(configError(() => validateNatsConfig(base)).message).toMatch(/^No authentication credentials configured/);
    expect(() => validateNatsConfig({ ...base, allowInsecure: true })).not.toThrow();
    expect(configError(() => validateNatsConfig({ ...base, jwt: JWT })).message).toMatch(/both a user JWT and an nkey seed/);
    const tls = meshConfigFromEnv({ NATS_URL: 'tls://h:4222', NATS_JWT: JWT, NATS_NKEY_SEED: SEED });
    expect(configError(() => validateNatsConfig(tls)).message).toMatch(/MESSAGING_TLS_CA_FILE/);
  });
});

describe('logging safety', () => {
  it('describeMeshConfig hides passwords in URLs', () => {
    const c = meshConfigFromEnv({ NATS_URL: 'nats://alice:s3cret@broker:4222' });
    expect(describeMeshConfig(c)).toContain('nats://***@broker:4222');
    expect(describeMeshConfig(c)).not.toContain('s3cret');
  });
});
