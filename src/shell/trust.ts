import { mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { nodeCrypto } from '../util/node-crypto.js';
import { sha256Hex } from '../util/sha256.js';
import { userDataDir } from '../util/user-dirs.js';

/**
 * The trust store: one small file per project in the user's data dir, binding the project's real path
 * to a hash of its .env bytes. Per-key hashes (salted, so common values are not guessable from the
 * store) let us name the keys that changed since `devenv allow`.
 */
export interface TrustRecord {
  version: 1;
  root: string;
  sha256: string;
  salt: string;
  keys: Record<string, string>;
}

export type TrustState = { status: 'trusted' } | { status: 'untrusted' } | { status: 'changed'; changed: string[] };

const sha256 = sha256Hex;

/** Trust binds the physical path: `cd` through a symlink and `devenv allow` from getcwd() must agree. */
export function canonicalRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

export function trustDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDataDir(env), 'trust');
}

export function trustFile(realRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(trustDir(env), `${sha256(realRoot).slice(0, 32)}.json`);
}

function keyHash(salt: string, key: string, value: string): string {
  return sha256(`${salt}\0${key}\0${value}`);
}

export function readTrust(realRoot: string, env: NodeJS.ProcessEnv = process.env): TrustRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(trustFile(realRoot, env), 'utf8'));
  } catch {
    return null; // absent or damaged: simply not trusted
  }
  const rec = raw as Partial<TrustRecord>;
  if (rec?.version !== 1 || rec.root !== realRoot || typeof rec.sha256 !== 'string' || typeof rec.salt !== 'string')
    return null;
  if (typeof rec.keys !== 'object' || rec.keys === null) return null;
  return rec as TrustRecord;
}

export function checkTrust(
  realRoot: string,
  content: Buffer,
  parsed: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): TrustState {
  const rec = readTrust(realRoot, env);
  if (!rec) return { status: 'untrusted' };
  if (rec.sha256 === sha256(content)) return { status: 'trusted' };
  const changed = new Set<string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (rec.keys[key] !== keyHash(rec.salt, key, value)) changed.add(key);
  }
  for (const key of Object.keys(rec.keys)) if (!Object.hasOwn(parsed, key)) changed.add(key);
  return { status: 'changed', changed: [...changed].sort() };
}

export function writeTrust(
  realRoot: string,
  content: Buffer,
  parsed: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const file = trustFile(realRoot, env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const salt = nodeCrypto().randomBytes(16).toString('hex');
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) keys[key] = keyHash(salt, key, value);
  const record: TrustRecord = { version: 1, root: realRoot, sha256: sha256(content), salt, keys };
  // Written whole then renamed: a hook reading it mid-write never sees half a record.
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Returns false when there was nothing to revoke. */
export function removeTrust(realRoot: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = trustFile(realRoot, env);
  try {
    rmSync(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}
