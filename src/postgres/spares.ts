import { spawn } from 'node:child_process';
import {
  existsSync,
  fchmodSync,
  fchownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { shortHash } from '../project/paths.js';
import { withDirectory } from '../util/no-follow.js';
import { ownNodeEnv } from '../util/node-env.js';
import { removeOrphanDirs } from '../util/orphan-dirs.js';
import { CLI_MAIN } from '../util/package-files.js';
import { type LockResult, tryLock } from '../util/pid-lock.js';
import { run } from '../util/run-program.js';
import { trace } from '../util/trace.js';
import type { Binaries } from './binaries.js';
import type { ClusterFs } from './cluster-fs.js';
import { createDatabase, INITDB_FLAGS, initdb } from './initdb.js';
import { checkReachable, handOver } from './privileges.js';
import { restoreTemplate, saveTemplate, templateDir } from './template.js';

/**
 * Spares: finished clusters (template copy + the project database) waiting in the cache. A new
 * project renames one into place instead of copying ~1000 files; a background process then makes
 * the next one. Kept beside the template they were made from, one per database name.
 */
export function sparesDir(template: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!template || env.PGRES_NO_SPARES) return null;
  return `${template}.spares`;
}

function sparePrefix(database: string): string {
  return `db-${shortHash(database, 12)}-`;
}

/** Move a spare for `database` to `target` (which must not exist). False when there is none usable. */
export function claimSpare(spares: string, database: string, target: string): boolean {
  let names: string[];
  try {
    names = readdirSync(spares);
  } catch {
    return false;
  }
  for (const name of names.filter((n) => n.startsWith(sparePrefix(database)))) {
    try {
      renameSync(path.join(spares, name), target);
      return true;
    } catch {
      // Taken by a concurrent init (ENOENT), or on another filesystem (EXDEV): try the next / copy.
    }
  }
  return false;
}

/** What a background refill needs to know: it must not depend on the project still existing. */
export interface RefillJob {
  bindir: string;
  superuser: string;
  database: string;
  /** The account that runs postgres (we are root), or null. */
  account: string | null;
  /** st_dev of the project dir: a spare is only useful on the same filesystem. */
  device: number;
}

/** Start the background refill for this cache entry; it outlives us and ends by itself. */
export function scheduleRefill(job: RefillJob): void {
  const env = ownNodeEnv(process.env);
  try {
    const child = spawn(process.execPath, [CLI_MAIN, '__refill', JSON.stringify(job)], {
      cwd: '/',
      detached: true,
      stdio: 'ignore',
      env,
    });
    child.on('error', () => undefined);
    trace(`cache refill started (pid ${child.pid})`);
    // Background work must not slow the server and apps that start right now.
    if (child.pid) setPriority(child.pid, 10);
    child.unref();
  } catch {
    // Only speed is lost.
  }
}

/** Spares kept per template: each is a whole cluster (~35 MiB), one per database name in use. */
export const MAX_SPARES = 3;

/** Keep the most recently made spares only, so projects with many database names don't fill the disk. */
function pruneSpares(spares: string, fs: ClusterFs): void {
  const all = readdirSync(spares)
    .filter((n) => n.startsWith('db-'))
    .map((n) => ({ n, t: statSync(path.join(spares, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of all.slice(MAX_SPARES)) {
    // Rename first: an init claiming this spare right now either gets it whole or not at all.
    const trash = path.join(spares, `.work-${process.pid}-prune-${n}`);
    try {
      renameSync(path.join(spares, n), trash);
    } catch {
      continue;
    }
    fs.removeTree(trash);
  }
}

/**
 * A fresh work dir: in the cache, or as root under the temp dir, as our cache (under /root) is out of
 * the account's reach. Root's (mode 0700) until handed to the account: a copy into it is safe meanwhile.
 */
async function workDir(spares: string, fs: ClusterFs): Promise<string> {
  const { account } = fs;
  if (!account) return mkdtempSync(path.join(spares, `.work-${process.pid}-`));
  await removeOrphanDirs(tmpdir(), 'devenv-refill-');
  const dir = mkdtempSync(path.join(tmpdir(), `devenv-refill-${process.pid}-`));
  try {
    checkReachable(dir, account, 'the cache work dir');
  } catch (err) {
    fs.removeTree(dir);
    throw err;
  }
  return dir;
}

/** The work dir (and, `all`, what was copied into it) to the account, mode 0700 as postgres wants. */
function giveWorkDir(dir: string, { account }: ClusterFs, all: boolean): void {
  if (account && all) handOver(dir, null, account);
  withDirectory(dir, (fd) => {
    if (account) fchownSync(fd, account.uid, account.gid);
    fchmodSync(fd, 0o700);
  });
}

async function moveInto(from: string, to: string, fs: ClusterFs): Promise<void> {
  try {
    renameSync(from, to);
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
    const tmp = `${to}.tmp-${process.pid}`;
    mkdirSync(tmp, { mode: 0o700 });
    const r = await run('cp', ['-a', `${from}/.`, tmp]);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    renameSync(tmp, to);
    fs.removeTree(from);
  }
}

/**
 * Make sure the template exists (initdb) and one spare for the project's database waits
 * beside it. Run in the background after an init (`devenv __refill JOB`); does nothing while
 * another refill of the same entry runs.
 */
export async function refill(job: RefillJob, binaries: Binaries, fs: ClusterFs): Promise<void> {
  const template = templateDir(binaries, job.superuser, INITDB_FLAGS);
  const spares = sparesDir(template);
  if (!template || !spares) return;
  mkdirSync(spares, { recursive: true, mode: 0o700 });
  // One refill at a time per cache entry; the others have nothing to add.
  let lock: LockResult;
  try {
    lock = tryLock(path.join(spares, '.refill.lock'));
  } catch {
    return;
  }
  if (!('release' in lock)) return;
  const release = lock.release;
  const work: string[] = [];
  try {
    await removeOrphanDirs(spares, '.work-');
    if (!existsSync(path.join(template, 'PG_VERSION'))) {
      const dir = await workDir(spares, fs);
      work.push(dir);
      giveWorkDir(dir, fs, false);
      await initdb(binaries, dir, job.superuser, fs);
      await saveTemplate(template, dir, fs);
    }
    // A spare only helps where it can be renamed into the project: the same filesystem.
    const sameFs = statSync(spares).dev === job.device;
    const have = readdirSync(spares).some((n) => n.startsWith(sparePrefix(job.database)));
    if (!sameFs || have) return;
    const dir = await workDir(spares, fs);
    work.push(dir);
    // Copied while the dir is still root's, then handed over (its top last).
    if (!(await restoreTemplate(template, dir))) return;
    giveWorkDir(dir, fs, true);
    await createDatabase(binaries, dir, job.database, fs);
    const name = `${sparePrefix(job.database)}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    await moveInto(dir, path.join(spares, name), fs);
    pruneSpares(spares, fs);
  } catch (err) {
    // Nobody is watching a background job: leave a note for whoever wonders why there is no spare.
    writeFileSync(
      path.join(spares, '.last-error'),
      `${new Date().toISOString()} ${err instanceof Error ? err.message : String(err)}\n`,
    );
  } finally {
    for (const dir of work) fs.removeTree(dir);
    release();
  }
}
