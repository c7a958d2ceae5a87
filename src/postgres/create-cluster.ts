// Making a new cluster: a spare renamed in, a template copied, or initdb; built aside and published
// by one rename, so .pgres is either absent or complete.
import { existsSync, fchmodSync, fchownSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import { CLUSTER_BUILD_PREFIX } from '../project/paths.js';
import type { Project } from '../project/project.js';
import { diskFullMessage, isDiskFull } from '../util/disk-space.js';
import { withDirectory } from '../util/no-follow.js';
import { removeOrphanDirs } from '../util/orphan-dirs.js';
import { trace } from '../util/trace.js';
import type { Binaries } from './binaries.js';
import type { ClusterInfo } from './cluster.js';
import type { ClusterFs } from './cluster-fs.js';
import { createDatabase, INITDB_FLAGS, initdb } from './initdb.js';
import { checkReachable, handOver } from './privileges.js';
import { confNote } from './settings.js';
import { claimSpare, scheduleRefill, sparesDir } from './spares.js';
import { restoreTemplate, saveTemplate, templateDir } from './template.js';

export interface InitResult {
  created: boolean;
  /** Where the pristine files came from. */
  via?: 'spare' | 'template' | 'initdb';
  /**
   * Starts the background refill of the template cache and spares (null: nothing to refill). It competes
   * with a server's start for the CPU and the disk: a command that starts one calls it once it is ready.
   * Calling it again does nothing.
   */
  refill: (() => void) | null;
}

type InitHooks = { notice: (line: string) => void; step?: (what: string) => void };

/** What a new cluster is made for: where it goes, its superuser and the project database in it. */
export type NewCluster = Pick<Project, 'paths' | 'superuser' | 'database'>;

/** What every step of an init works with. */
interface InitJob {
  project: NewCluster;
  binaries: Binaries;
  fs: ClusterFs;
  hooks: InitHooks;
}

/**
 * Build the cluster in a private `.pgres.partial-<pid>-*` dir and rename it to
 * .pgres when complete: an interrupted init never leaves a half-made .pgres,
 * and of two concurrent inits exactly one wins.
 */
export async function createCluster(
  project: NewCluster,
  binaries: Binaries,
  fs: ClusterFs,
  hooks: InitHooks,
): Promise<InitResult> {
  const { root } = project.paths;
  const { account } = fs;
  // Build dirs of inits that were killed: ours by their name.
  for (const name of await removeOrphanDirs(root, CLUSTER_BUILD_PREFIX))
    hooks.notice(`removed a half-made cluster left by an interrupted init (${name})`);
  const partial = path.join(root, `${CLUSTER_BUILD_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  if (account) {
    checkReachable(
      path.join(binaries.bindir, 'postgres'),
      account,
      'the server binaries',
      binaries.source === 'embedded'
        ? 'install devenv-postgres where it can reach (a global install under /usr/local, not below /root)'
        : binaries.source === 'fetched'
          ? 'set PGRES_CACHE_DIR to a directory it can reach (fetched servers go to its postgres/)'
          : 'install them where it can reach',
    );
    checkReachable(partial, account, 'the project');
  }
  const template = templateDir(binaries, project.superuser, INITDB_FLAGS);
  const spares = sparesDir(template);
  // A spare is a finished copy with our database in it: renaming it in costs no copying at all.
  const spare = spares !== null && claimSpare(spares, project.database, partial);
  // Root's until it is complete: the account cannot enter it while we copy into it.
  if (!spare) mkdirSync(partial, { mode: 0o700 });
  const job: InitJob = { project, binaries, fs, hooks };
  try {
    const via = spare ? 'spare' : await fillFromTemplate(job, partial, template, spares !== null);
    trace(`cluster files (${via})`);
    await makeItOurs(job, partial, via);
    trace('cluster completed');
    if (!publish(partial, project, fs)) return { created: false, refill: null };
    // Make the next init fast: refill the template and the spare in the background.
    const next = {
      bindir: binaries.bindir,
      superuser: project.superuser,
      database: project.database,
      account: account?.name ?? null,
      device: statSync(root).dev,
    };
    let pending = spares !== null;
    const refill = () => {
      if (pending) scheduleRefill(next);
      pending = false;
    };
    return { created: true, via, refill: spares ? refill : null };
  } catch (err) {
    fs.removeTree(partial);
    if (!(err instanceof UserError) && isDiskFull(err))
      throw new UserError(diskFullMessage(root, 'creating the cluster'));
    throw err;
  }
}

/**
 * The pristine files: a copy of the cached template, or initdb when there is none yet. As root the
 * copy goes into the build dir while it is still root's (mode 0700: the account cannot enter it and
 * plant links where cp writes), which is handed over afterwards, its top directory last.
 */
async function fillFromTemplate(
  { project, binaries, fs, hooks }: InitJob,
  partial: string,
  template: string | null,
  refilled: boolean,
): Promise<'template' | 'initdb'> {
  if (await restoreFromTemplate(template, partial, fs)) {
    if (fs.account) handOver(partial, null, fs.account);
    return 'template';
  }
  // initdb runs as the account and writes into the dir itself.
  giveTop(partial, fs);
  hooks.step?.(`running initdb (PostgreSQL ${binaries.version})`);
  await initdb(binaries, partial, project.superuser, fs);
  // Without spares nothing refills the cache in the background: save the template now.
  if (!refilled) await saveTemplate(template, partial, fs);
  return 'initdb';
}

/** The build dir's top directory to the account (not following a link), mode 0700 as postgres wants. */
function giveTop(partial: string, { account }: ClusterFs): void {
  withDirectory(partial, (fd) => {
    if (account) fchownSync(fd, account.uid, account.gid);
    fchmodSync(fd, 0o700);
  });
}

/**
 * The project database, a note in postgresql.conf, and last the marker that says "complete". As root
 * the account writes into the cluster (it is the account's by now).
 */
async function makeItOurs(
  { project, binaries, fs, hooks }: InitJob,
  partial: string,
  via: InitResult['via'],
): Promise<void> {
  // cp -a of the template's top dir, or a spare, brings its owner and mode along: set them.
  giveTop(partial, fs);
  if (via !== 'spare') {
    hooks.step?.(`creating database "${project.database}"`);
    await createDatabase(binaries, partial, project.database, fs);
  }
  const info: ClusterInfo = {
    format: 1,
    major: binaries.major,
    version: binaries.version,
    bindir: binaries.bindir,
    source: binaries.source,
    superuser: project.superuser,
    database: project.database,
    createdAt: new Date().toISOString(),
  };
  // The marker last, in one step with the note (as root each step is a child process).
  fs.writeAll([
    { file: path.join(partial, 'postgresql.conf'), text: confNote(project.paths), append: true },
    { file: path.join(partial, 'devenv', 'cluster.json'), text: `${JSON.stringify(info, null, 2)}\n` },
  ]);
}

/**
 * The pristine files of a cluster made by `binaries` in `dir`, an empty directory the account made (an
 * upgrade builds its new cluster inside .pgres, where root copies nothing: no template, initdb run as the
 * account), with the flags and the postgresql.conf note of every cluster. No database is added: all of
 * them come from the cluster being upgraded.
 */
export async function initClusterIn(
  dir: string,
  cluster: Pick<NewCluster, 'paths' | 'superuser'>,
  binaries: Binaries,
  fs: ClusterFs,
  hooks: InitHooks,
): Promise<void> {
  hooks.step?.(`running initdb (PostgreSQL ${binaries.version})`);
  await initdb(binaries, dir, cluster.superuser, fs);
  fs.append(path.join(dir, 'postgresql.conf'), confNote(cluster.paths));
}

/** Rename the complete cluster to .pgres. False: a concurrent init won, and our copy is gone. */
function publish(partial: string, project: NewCluster, fs: ClusterFs): boolean {
  try {
    // rename(2) replaces an empty dir and fails on a non-empty one: the first complete cluster wins.
    renameSync(partial, project.paths.pgdata);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(project.paths.marker)) {
      fs.removeTree(partial);
      return false;
    }
    throw err;
  }
}

/** Copy the template in; false when there is none, or when the copy failed for a reason other than space. */
async function restoreFromTemplate(template: string | null, partial: string, fs: ClusterFs): Promise<boolean> {
  try {
    return await restoreTemplate(template, partial);
  } catch (err) {
    if (isDiskFull(err)) throw new UserError(diskFullMessage(partial, 'copying the template cluster'));
    // A damaged template: start clean and let initdb make the cluster.
    for (const name of readdirSync(partial)) fs.removeTree(path.join(partial, name));
    return false;
  }
}
