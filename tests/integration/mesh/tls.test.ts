/**
 * tls:// with MESSAGING_TLS_CA_FILE against a real nats-server with TLS. As in the reference, the chain is
 * verified but the hostname is not (the server certificate's CN is not 127.0.0.1 on purpose).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeshClient, meshConfigFromEnv, MeshError, openMesh } from '../../../src/main/mesh';
import { setStderrLogging } from '../../../src/main/log';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { createDemoDevice } from '../../unit/mesh/demo-device';

setStderrLogging(false);
const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
const f = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function makeCa(prefix: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${prefix}.key`), '-out', f(`${prefix}.pem`), '-days', '2', '-subj', `/CN=${prefix}`);
}

let nats: NatsServerHandle;
beforeAll(async () => {
  makeCa('ca');
  makeCa('other-ca');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=broker.example');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2');
  nats = await startNatsServer({ extraConfig: `tls {\n  cert_file: "${f('server.pem')}"\n  key_file: "${f('server.key')}"\n}\n` });
});
afterAll(async () => {
  await nats?.stop();
});

describe('tls:// broker URLs', () => {
  it('connects with MESSAGING_TLS_CA_FILE and serves invokes', async () => {
    const cfg = meshConfigFromEnv({
      NATS_URL: `tls://127.0.0.1:${nats.port}`,
      MESSAGING_TLS_CA_FILE: f('ca.pem'),
      DEVICE_CONNECT_ALLOW_INSECURE: 'true',
      DEVICE_CONNECT_DISCOVERY_MODE: 'd2d',
    });
    const devConn = await openMesh(cfg);
    const rt = createDemoDevice(devConn);
    await rt.start();
    const client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true });
    try {
      expect(await client.invoke('sensor-001', 'get_reading')).toMatchObject({ unit: 'C' });
    } finally {
      await client.close();
      await rt.stop();
      await devConn.close();
    }
  });

  it('a certificate from another CA is refused with a clear error', async () => {
    const cfg = meshConfigFromEnv({
      NATS_URL: `tls://127.0.0.1:${nats.port}`,
      NATS_TLS_CA_FILE: f('other-ca.pem'),
      DEVICE_CONNECT_ALLOW_INSECURE: 'true',
    });
    const err = await openMesh(cfg).then(
      () => null,
      (e: unknown) => e as MeshError,
    );
    expect(err).toBeInstanceOf(MeshError);
    expect(err!.message).toMatch(/^cannot connect to NATS at tls:\/\/127\.0\.0\.1:\d+: /);
  });
});
