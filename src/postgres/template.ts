import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { shortHash } from '../project/paths.js';
import { removeTree } from '../util/remove-tree.js';
import { run } from '../util/run-program.js';
import { cacheDir } from '../util/user-dirs.js';
import type { Binaries } from './binaries.js';
import type { ClusterFs } from './cluster-fs.js';

/**
 * A pristine initdb output cached per binaries + superuser + initdb flags:
 * copying it is several times faster than running initdb again.
 */
export function templateDir(
  binaries: Binaries,
  superuser: string,
  initdbFlags: string[],
  env = process.env,
): string | null {
  if (env.PGRES_NO_TEMPLATE) return null;
  const key = shortHash(JSON.stringify([path.resolve(binaries.bindir), binaries.version, superuser, initdbFlags]), 16);
  return path.join(cacheDir(env), 'templates', `pg${binaries.major}-${key}`);
}

/**
 * Copy what is in `from` into the existing dir `to`, entry by entry: cp -a keeps modes and (as root) the
 * unprivileged owner, far faster than a JS tree walk, and `to` itself keeps its owner and mode (as root:
 * root's, 0700, until the caller hands it over).
 */
async function copyTree(from: string, to: string): Promise<void> {
  const entries = readdirSync(from).map((name) => path.join(from, name));
  if (entries.length === 0) return;
  const r = await run('cp', ['-a', '--', ...entries, `${to}/`]);
  if (r.code !== 0) throw new Error(`copying ${from} to ${to} failed: ${r.stderr.trim()}`);
}

/** Fill `target` (an existing empty dir) from the template; false when there is none yet; throws if the copy fails. */
export async function restoreTemplate(template: string | null, target: string): Promise<boolean> {
  if (!template || !existsSync(path.join(template, 'PG_VERSION'))) return false;
  // A failed copy is the caller's to judge: a full disk is worth saying, a damaged template is not.
  await copyTree(template, target);
  return true;
}

/** Is every entry of the tree owned by `uid` (no symlink followed)? */
function ownedThroughout(dir: string, uid: number): boolean {
  const st = lstatSync(dir);
  if (st.uid !== uid) return false;
  if (!st.isDirectory()) return true;
  return readdirSync(dir).every((name) => ownedThroughout(path.join(dir, name), uid));
}

/**
 * Save a freshly initdb'ed dir as the template (best effort; a failure only costs speed next time). As
 * root the source belongs to the account: a copy holding anything not the account's (a hard link it made
 * to a file of someone else's) is not kept, or it would be handed to the account with every new cluster.
 */
export async function saveTemplate(template: string | null, source: string, { account }: ClusterFs): Promise<void> {
  if (!template || existsSync(template)) return;
  const tmp = `${template}.tmp-${process.pid}`;
  try {
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    await copyTree(source, tmp);
    if (account && !readdirSync(tmp).every((name) => ownedThroughout(path.join(tmp, name), account.uid))) {
      throw new Error("the copy holds files that are not the account's");
    }
    renameSync(tmp, template);
  } catch {
    removeTree(tmp);
  }
}
