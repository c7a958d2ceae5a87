import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { shortHash } from '../project/paths.js';
import { run } from '../util/run.js';
import { cacheDir } from '../util/user-dirs.js';
import type { Binaries } from './binaries.js';

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

async function copyTree(from: string, to: string): Promise<void> {
  // cp -a keeps modes and (as root) the unprivileged owner; far faster than a JS tree walk.
  const r = await run('cp', ['-a', `${from}/.`, to]);
  if (r.code !== 0) throw new Error(`copying ${from} to ${to} failed: ${r.stderr.trim()}`);
}

/** Fill `target` (an existing empty dir) from the template; false when there is none yet; throws if the copy fails. */
export async function restoreTemplate(template: string | null, target: string): Promise<boolean> {
  if (!template || !existsSync(path.join(template, 'PG_VERSION'))) return false;
  // A failed copy is the caller's to judge: a full disk is worth saying, a damaged template is not.
  await copyTree(template, target);
  return true;
}

/** Save a freshly initdb'ed dir as the template (best effort; a failure only costs speed next time). */
export async function saveTemplate(template: string | null, source: string): Promise<void> {
  if (!template || existsSync(template)) return;
  const tmp = `${template}.tmp-${process.pid}`;
  try {
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    await copyTree(source, tmp);
    renameSync(tmp, template);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
}
