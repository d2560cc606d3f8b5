/**
 * JWT + nkey authentication against a real nats-server in operator mode (what a portal- or nsc-issued
 * credentials file gives a device): .creds.json and nsc .creds both connect; a wrong seed is refused.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeshClient, meshConfigFromEnv, MeshError, openMesh } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { createDemoDevice } from '../../unit/mesh/demo-device';

setStderrLogging(false);
type KeyPair = ReturnType<typeof nkeys.createUser>;
const td = new TextDecoder();
const b64url = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');

/** A NATS v2 JWT (ed25519-nkey), signed by `issuer`. */
function mintJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims: Record<string, unknown> = { jti: '', iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url');
  const body = b64url(JSON.stringify(claims));
  const sig = b64url(issuer.sign(new TextEncoder().encode(`${header}.${body}`)));
  return `${header}.${body}.${sig}`;
}

const operator = nkeys.createOperator();
const account = nkeys.createAccount();
const user = nkeys.createUser();
const operatorJwt = mintJwt(operator, operator.getPublicKey(), 'op', { type: 'operator', version: 2 });
const accountJwt = mintJwt(operator, account.getPublicKey(), 'acme', {
  type: 'account',
  version: 2,
  limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
});
const userJwt = mintJwt(account, user.getPublicKey(), 'reachy', { type: 'user', version: 2, pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
const userSeed = td.decode(user.getSeed());

const dir = mkdtempSync(join(tmpdir(), 'mesh-auth-'));
let nats: NatsServerHandle;

beforeAll(async () => {
  nats = await startNatsServer({
    extraConfig: `operator: "${operatorJwt}"\nresolver: MEMORY\nresolver_preload: {\n  ${account.getPublicKey()}: "${accountJwt}"\n}\n`,
  });
});
afterAll(async () => {
  await nats?.stop();
});

describe('JWT/nkey credentials against nats-server in operator mode', () => {
  it('a portal .creds.json (urls, jwt, nkey_seed, tenant) connects; device and client talk', async () => {
    const credsPath = join(dir, 'device.creds.json');
    writeFileSync(credsPath, JSON.stringify({ device_id: 'sensor-001', auth_type: 'jwt', tenant: 'acme', nats: { urls: [nats.url], jwt: userJwt, nkey_seed: userSeed } }));
    const cfg = meshConfigFromEnv({ MESSAGING_CREDENTIALS_FILE: credsPath, DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
    expect(cfg).toMatchObject({ backend: 'nats', tenant: 'acme', allowInsecure: false });
    const devConn = await openMesh(cfg);
    const cliConn = await openMesh(cfg);
    const rt = createDemoDevice(devConn);
    await rt.start();
    const client = createMeshClient({ connection: cliConn, ownsConnection: true });
    try {
      expect(await client.invoke('sensor-001', 'get_reading', { unit: 'F' })).toMatchObject({ temperature: 72.5 });
      expect((await client.listDevices()).map((d) => d.device_id)).toEqual(['sensor-001']);
    } finally {
      await client.close();
      await rt.stop();
      await devConn.close();
    }
  });

  it('an nsc .creds file connects', async () => {
    const credsPath = join(dir, 'user.creds');
    writeFileSync(
      credsPath,
      `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${userSeed}\n------END USER NKEY SEED------\n`,
    );
    const conn = await openMesh(meshConfigFromEnv({ NATS_CREDENTIALS_FILE: credsPath, NATS_URL: nats.url }));
    expect(conn.status()).toBe('connected');
    await conn.close();
  });

  it('a seed that does not match the JWT, or no credentials in insecure mode, is refused by the server', async () => {
    const wrongSeed = td.decode(nkeys.createUser().getSeed());
    const bad = meshConfigFromEnv({ NATS_URL: nats.url, NATS_JWT: userJwt, NATS_NKEY_SEED: wrongSeed });
    const err = await openMesh(bad).then(
      () => null,
      (e: unknown) => e as MeshError,
    );
    expect(err).toBeInstanceOf(MeshError);
    expect(err!.message).toMatch(/^cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: /);
    expect(err!.message).not.toContain(wrongSeed);
    expect(err!.code).toBe('config');

    const anon = await openMesh(meshConfigFromEnv({ NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true' })).then(
      () => null,
      (e: unknown) => e as MeshError,
    );
    expect(anon).toBeInstanceOf(MeshError);
    expect(anon!.message).toMatch(/cannot connect to NATS.*[Aa]uthoriz/);
    expect(anon!.code).toBe('config');
  });
});
