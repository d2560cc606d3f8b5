/**
 * Credentials files (docs/PROTOCOL.md): portal / gen_creds.sh `*.creds.json`
 * (`{"tenant","device_id","nats":{"urls","jwt","nkey_seed","tls_ca_file"?}}`) and nsc `.creds`
 * (JWT and seed between BEGIN/END markers). Errors name the file and the problem, never the secret.
 */
import { readFileSync } from 'node:fs';
import { nkeys } from '@nats-io/nats-core';
import { MeshError } from './types';

export interface ParsedCredentials {
  jwt: string;
  nkeySeed: string;
  urls?: string[];
  tenant?: string;
  deviceId?: string;
  tlsCaFile?: string;
}

const JWT_BLOCK = /-{3,}BEGIN NATS USER JWT-{3,}\s*\r?\n\s*(\S+)\s*\r?\n\s*-{3,}END NATS USER JWT-{3,}/;
const SEED_BLOCK = /-{3,}BEGIN USER NKEY SEED-{3,}\s*\r?\n\s*(\S+)\s*\r?\n\s*-{3,}END USER NKEY SEED-{3,}/;

function problem(path: string, what: string): MeshError {
  return new MeshError('config', `credentials file '${path}': ${what}`);
}

function checkJwt(path: string, jwt: unknown, field: string): string {
  if (typeof jwt !== 'string' || jwt.trim() === '') throw problem(path, `${field} is missing or empty`);
  if (jwt.trim().split('.').length !== 3) throw problem(path, `${field} is not a JWT (expected three dot-separated parts)`);
  return jwt.trim();
}

function checkSeed(path: string, seed: unknown, field: string): string {
  if (typeof seed !== 'string' || seed.trim() === '') throw problem(path, `${field} is missing or empty`);
  const s = seed.trim();
  if (!s.startsWith('SU')) throw problem(path, `${field} is not a NATS user nkey seed (it should start with 'SU')`);
  try {
    nkeys.fromSeed(new TextEncoder().encode(s));
  } catch {
    throw problem(path, `${field} is not a valid NATS nkey seed (bad encoding or checksum)`);
  }
  return s;
}

export function parseCredentialsText(path: string, text: string): ParsedCredentials {
  const trimmed = text.trim();
  if (trimmed === '') throw problem(path, 'file is empty');
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      // The parser's message can quote file content (secrets), so it is not included.
      throw problem(path, 'not valid JSON');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw problem(path, 'expected a JSON object');
    const d = doc as Record<string, unknown>;
    const nats = d.nats;
    if (!nats || typeof nats !== 'object' || Array.isArray(nats)) {
      throw problem(path, 'no "nats" section (expected {"nats":{"urls":[…],"jwt":"…","nkey_seed":"…"}})');
    }
    const n = nats as Record<string, unknown>;
    const out: ParsedCredentials = {
      jwt: checkJwt(path, n.jwt, 'nats.jwt'),
      nkeySeed: checkSeed(path, n.nkey_seed, 'nats.nkey_seed'),
    };
    if (n.urls !== undefined) {
      if (!Array.isArray(n.urls) || !n.urls.every((u) => typeof u === 'string' && u.trim() !== '')) {
        throw problem(path, 'nats.urls must be a list of URL strings');
      }
      out.urls = (n.urls as string[]).map((u) => u.trim());
    }
    if (d.tenant !== undefined && d.tenant !== null) {
      if (typeof d.tenant !== 'string' || !/^[A-Za-z0-9_-]+$/.test(d.tenant)) {
        throw problem(path, 'tenant must be a string of letters, digits, "_" or "-"');
      }
      out.tenant = d.tenant;
    }
    if (typeof d.device_id === 'string') out.deviceId = d.device_id;
    if (typeof n.tls_ca_file === 'string' && n.tls_ca_file) out.tlsCaFile = n.tls_ca_file;
    return out;
  }
  const jwt = JWT_BLOCK.exec(text)?.[1];
  const seed = SEED_BLOCK.exec(text)?.[1];
  if (!jwt && !seed) {
    throw problem(path, 'neither JSON (*.creds.json) nor an nsc .creds file (no BEGIN NATS USER JWT / BEGIN USER NKEY SEED blocks)');
  }
  if (!jwt) throw problem(path, 'no "BEGIN NATS USER JWT" block');
  if (!seed) throw problem(path, 'no "BEGIN USER NKEY SEED" block');
  return { jwt: checkJwt(path, jwt, 'user JWT'), nkeySeed: checkSeed(path, seed, 'user nkey seed') };
}

export function loadCredentialsFile(path: string): ParsedCredentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? 'error'})`;
    throw problem(path, why);
  }
  return parseCredentialsText(path, text);
}
