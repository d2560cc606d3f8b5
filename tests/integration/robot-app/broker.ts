/**
 * A nats-server in operator mode (JWT + nkey auth, as the portal runs it) and credentials files it accepts:
 * portal-style `.creds.json` (device_id, tenant, nats.urls) and an expired one.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';

type KeyPair = ReturnType<typeof nkeys.createUser>;
const b64url = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');

function mintJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>, exp?: number): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims: Record<string, unknown> = { jti: '', iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats };
  if (exp !== undefined) claims.exp = exp;
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url');
  const body = b64url(JSON.stringify(claims));
  const sig = b64url(issuer.sign(new TextEncoder().encode(`${header}.${body}`)));
  return `${header}.${body}.${sig}`;
}

export interface OperatorBroker {
  nats: NatsServerHandle;
  /** Writes a portal-style credentials JSON accepted by the broker; `expSecondsFromNow` < 0 makes it expired. */
  writeCreds(path: string, o?: { deviceId?: string; tenant?: string; expSecondsFromNow?: number; urls?: string[] }): string;
  credsText(o?: { deviceId?: string; tenant?: string; expSecondsFromNow?: number }): string;
}

export async function startOperatorBroker(): Promise<OperatorBroker> {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const operatorJwt = mintJwt(operator, operator.getPublicKey(), 'op', { type: 'operator', version: 2 });
  const accountJwt = mintJwt(operator, account.getPublicKey(), 'portal', {
    type: 'account',
    version: 2,
    limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
  });
  const nats = await startNatsServer({
    extraConfig: `operator: "${operatorJwt}"\nresolver: MEMORY\nresolver_preload: {\n  ${account.getPublicKey()}: "${accountJwt}"\n}\n`,
  });
  const credsText: OperatorBroker['credsText'] = (o = {}) => {
    const user = nkeys.createUser();
    const exp = Math.floor(Date.now() / 1000) + (o.expSecondsFromNow ?? 86_400);
    const jwt = mintJwt(account, user.getPublicKey(), 'reachy', { type: 'user', version: 2, pub: {}, sub: {}, subs: -1, data: -1, payload: -1 }, exp);
    return JSON.stringify({ device_id: o.deviceId ?? 'reachy-portal-7', tenant: o.tenant ?? 'acme', auth_type: 'jwt', nats: { urls: [nats.url], jwt, nkey_seed: new TextDecoder().decode(user.getSeed()) } });
  };
  return {
    nats,
    credsText,
    writeCreds(path, o = {}) {
      writeFileSync(path, credsText(o));
      return path;
    },
  };
}

export const tmpFile = (dir: string, name: string): string => join(dir, name);
