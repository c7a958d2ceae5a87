import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import { PARTIAL_PREFIX } from '../project/paths.js';
import type { Project } from '../project/project.js';
import { diskFullMessage, isDiskFull } from '../util/disk-space.js';
import { removeOrphanDirs } from '../util/orphan-dirs.js';
import type { Binaries } from './binaries.js';
import { createDatabase, INITDB_FLAGS, initdb } from './initdb.js';
import { type Account, checkReachable, chownTree } from './privileges.js';
import { INCLUDE_LINE, writeSettings } from './settings.js';
import { claimSpare, scheduleRefill, sparesDir } from './spares.js';
import { restoreTemplate, saveTemplate, templateDir } from './template.js';

/** What init records, last, in .pgres/devenv/cluster.json. */
export interface ClusterInfo {
  format: 1;
  major: number;
  version: string;
  bindir: string;
  source: string;
  superuser: string;
  database: string;
  createdAt: string;
}

export type DataDirState = { state: 'absent' } | { state: 'ready'; info: ClusterInfo; pgMajor: number };

function readInfo(marker: string): ClusterInfo | null {
  try {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as ClusterInfo;
    return info && info.format === 1 ? info : null;
  } catch {
    return null;
  }
}

/** Major version recorded by initdb in PG_VERSION, or null. */
export function dataDirMajor(pgdata: string): number | null {
  try {
    const n = Number(readFileSync(path.join(pgdata, 'PG_VERSION'), 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * Look at .pgres without changing anything we did not create: absent (or an
 * empty dir), our complete cluster, or a clear error for anything else.
 */
export function inspectDataDir(project: Project): DataDirState {
  const { pgdata, marker } = project.paths;
  let st: Stats;
  try {
    st = lstatSync(pgdata);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  if (st.isSymbolicLink()) {
    throw new UserError(
      `${pgdata} is a symlink; devenv keeps its cluster in a real directory and will not follow it. Remove the link ` +
        `(nothing it points to is touched) and run again`,
    );
  }
  if (!st.isDirectory()) {
    throw new UserError(`${pgdata} exists and is not a directory; move it out of the way, then run again`);
  }
  const info = readInfo(marker);
  if (!info) {
    if (readdirSync(pgdata).length === 0) return { state: 'absent' };
    throw new UserError(
      `${pgdata} exists but is not a devenv cluster (no ${path.relative(project.root, marker)}); devenv will not ` +
        `touch it. Move it away (or delete it yourself if it is disposable), then run again`,
    );
  }
  const pgMajor = dataDirMajor(pgdata) ?? info.major;
  return { state: 'ready', info, pgMajor };
}

/** Refuse to run binaries of another major on this cluster (postgres would refuse too, less clearly). */
export function checkMajor(project: Project, pgMajor: number, binaries: Binaries): void {
  if (pgMajor !== binaries.major) {
    throw new UserError(
      `${project.paths.pgdata} was made by PostgreSQL ${pgMajor} but the server found is PostgreSQL ` +
        `${binaries.major} (${binaries.bindir}); install PostgreSQL ${pgMajor} (or set PGRES_BINDIR to its bin ` +
        `directory), or run \`devenv reset\` to start over with ${binaries.major} (this deletes the data)`,
    );
  }
}

/** Postgres wants 0700 (or 0750) and the right owner; fix what is ours to fix, say so. */
export function checkDataDirAccess(project: Project, account: Account | null, notice: (line: string) => void): void {
  const { pgdata } = project.paths;
  const st = statSync(pgdata);
  const expectedUid = account ? account.uid : process.getuid?.();
  if (expectedUid !== undefined && st.uid !== expectedUid) {
    if (account) {
      chownTree(pgdata, account);
      notice(`gave ${pgdata} to the account "${account.name}" that runs postgres`);
    } else {
      throw new UserError(
        `${pgdata} belongs to uid ${st.uid}, not to you (uid ${expectedUid}), so postgres cannot use it; run \`sudo ` +
          `chown -R $(id -un) ${pgdata}\` or \`devenv reset\``,
      );
    }
  }
  const mode = st.mode & 0o777;
  if (mode !== 0o700 && mode !== 0o750) {
    chmodSync(pgdata, 0o700);
    notice(`fixed the mode of ${pgdata} from ${mode.toString(8).padStart(4, '0')} to 0700 (postgres requires it)`);
  }
}

export interface InitResult {
  created: boolean;
  /** Where the pristine files came from. */
  via?: 'spare' | 'template' | 'initdb';
}

type InitHooks = { notice: (line: string) => void; step?: (what: string) => void };

/** What every step of an init works with. */
interface InitJob {
  project: Project;
  binaries: Binaries;
  account: Account | null;
  hooks: InitHooks;
}

/**
 * Build the cluster in a private `.pgres.partial-<pid>-*` dir and rename it to
 * .pgres when complete: an interrupted init never leaves a half-made .pgres,
 * and of two concurrent inits exactly one wins.
 */
export async function createCluster(
  project: Project,
  binaries: Binaries,
  account: Account | null,
  hooks: InitHooks,
): Promise<InitResult> {
  const { root } = project.paths;
  // Build dirs of inits that were killed: ours by their name.
  for (const name of await removeOrphanDirs(root, PARTIAL_PREFIX))
    hooks.notice(`removed a half-made cluster left by an interrupted init (${name})`);
  const partial = path.join(root, `${PARTIAL_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  if (account) {
    checkReachable(
      path.join(binaries.bindir, 'postgres'),
      account,
      'the server binaries',
      binaries.source === 'embedded'
        ? 'install devenv-postgres where it can reach (a global install under /usr/local, not below /root)'
        : 'install them where it can reach',
    );
    checkReachable(partial, account, 'the project');
  }
  const template = templateDir(binaries, project.superuser, INITDB_FLAGS);
  const spares = sparesDir(template);
  // A spare is a finished copy with our database in it: renaming it in costs no copying at all.
  const spare = spares !== null && claimSpare(spares, project.database, partial);
  if (!spare) mkdirSync(partial, { mode: 0o700 });
  const job: InitJob = { project, binaries, account, hooks };
  try {
    const via = spare ? 'spare' : await fillFromTemplate(job, partial, template, spares !== null);
    await makeItOurs(job, partial, via);
    if (!publish(partial, project)) return { created: false };
    // Make the next init fast: refill the template and the spare in the background.
    if (spares) {
      scheduleRefill({
        bindir: binaries.bindir,
        superuser: project.superuser,
        database: project.database,
        account: account?.name ?? null,
        device: statSync(root).dev,
      });
    }
    return { created: true, via };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!(err instanceof UserError) && isDiskFull(err))
      throw new UserError(diskFullMessage(root, 'creating the cluster'));
    throw err;
  }
}

/** The pristine files: a copy of the cached template, or initdb when there is none yet. */
async function fillFromTemplate(
  { project, binaries, account, hooks }: InitJob,
  partial: string,
  template: string | null,
  refilled: boolean,
): Promise<'template' | 'initdb'> {
  if (account) chownSync(partial, account.uid, account.gid);
  if (await restoreFromTemplate(template, partial)) return 'template';
  hooks.step?.(`running initdb (PostgreSQL ${binaries.version})`);
  await initdb(binaries, partial, project.superuser, account);
  // Without spares nothing refills the cache in the background: save the template now.
  if (!refilled) await saveTemplate(template, partial);
  return 'initdb';
}

/** Our settings include, our own dirs, the project database, and last the marker that says "complete". */
async function makeItOurs(
  { project, binaries, account, hooks }: InitJob,
  partial: string,
  via: InitResult['via'],
): Promise<void> {
  // cp -a of the template's top dir brings its owner and mode along: reset them.
  if (account) chownSync(partial, account.uid, account.gid);
  chmodSync(partial, 0o700);
  appendFileSync(
    path.join(partial, 'postgresql.conf'),
    `\n# devenv: socket-only settings, rewritten at every start\n${INCLUDE_LINE}\n`,
  );
  const own = path.join(partial, 'devenv');
  mkdirSync(path.join(own, 'logs'), { recursive: true });
  mkdirSync(path.join(own, 'state'), { recursive: true });
  writeSettings(path.join(own, 'settings.conf'), project.paths, project.config.postgres.settings);
  if (via !== 'spare') {
    hooks.step?.(`creating database "${project.database}"`);
    await createDatabase(binaries, partial, project.database, account);
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
  writeFileSync(path.join(own, 'cluster.json'), `${JSON.stringify(info, null, 2)}\n`);
}

/** Rename the complete cluster to .pgres. False: a concurrent init won, and our copy is gone. */
function publish(partial: string, project: Project): boolean {
  try {
    // rename(2) replaces an empty dir and fails on a non-empty one: the first complete cluster wins.
    renameSync(partial, project.paths.pgdata);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(project.paths.marker)) {
      rmSync(partial, { recursive: true, force: true });
      return false;
    }
    throw err;
  }
}

/** Copy the template in; false when there is none, or when the copy failed for a reason other than space. */
async function restoreFromTemplate(template: string | null, partial: string): Promise<boolean> {
  try {
    return await restoreTemplate(template, partial);
  } catch (err) {
    if (isDiskFull(err)) throw new UserError(diskFullMessage(partial, 'copying the template cluster'));
    // A damaged template: start clean and let initdb make the cluster.
    for (const name of readdirSync(partial)) rmSync(path.join(partial, name), { recursive: true, force: true });
    return false;
  }
}
