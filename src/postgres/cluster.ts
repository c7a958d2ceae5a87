// An existing cluster: what .pgres holds, and whether these binaries and this account may use it.
import { fchmodSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { readClusterFile } from '../project/pgres-files.js';
import { versionText, type WantedVersion } from '../project/postgres-version.js';
import { withDirectory } from '../util/no-follow.js';
import type { Binaries } from './binaries.js';
import { type Account, handOver } from './privileges.js';

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

function readInfo(pgdata: string, marker: string): ClusterInfo | null {
  try {
    const info = JSON.parse(readClusterFile(pgdata, marker) ?? '') as ClusterInfo;
    return info && info.format === 1 ? info : null;
  } catch {
    return null;
  }
}

/** Major version recorded by initdb in PG_VERSION, or null. */
export function dataDirMajor(pgdata: string): number | null {
  try {
    const n = Number((readClusterFile(pgdata, path.join(pgdata, 'PG_VERSION')) ?? '').trim());
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * Look at .pgres without changing anything we did not create: absent (or an
 * empty dir), our complete cluster, or a clear error for anything else.
 */
export function inspectDataDir(paths: ProjectPaths): DataDirState {
  const { pgdata, marker } = paths;
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
  const info = readInfo(pgdata, marker);
  if (!info) {
    if (readdirSync(pgdata).length === 0) return { state: 'absent' };
    throw new UserError(
      `${pgdata} exists but is not a devenv cluster (no ${path.relative(paths.root, marker)}); devenv will not ` +
        `touch it. Move it away (or delete it yourself if it is disposable), then run again`,
    );
  }
  const pgMajor = dataDirMajor(pgdata) ?? info.major;
  return { state: 'ready', info, pgMajor };
}

/**
 * postgres.version asks for another major than the cluster's: refused before any binaries are looked for
 * (or fetched). Moving a cluster between majors is `devenv upgrade`'s job.
 */
export function checkWantedMajor(pgdata: string, pgMajor: number, want: WantedVersion): void {
  if (pgMajor !== want.major) {
    throw new UserError(
      `${pgdata} holds a PostgreSQL ${pgMajor} cluster but postgres.version asks for ` +
        `${versionText(want)}; run \`devenv upgrade\` to move it to ${want.major} (keeping the data), or set ` +
        `postgres.version back to ${pgMajor}`,
    );
  }
}

/** For what lives in the cluster (snapshots, branch databases): its state, or one line when there is none yet. */
export function requireCluster(pgdata: string, state: DataDirState): Extract<DataDirState, { state: 'ready' }> {
  if (state.state === 'ready') return state;
  throw new UserError(`there is no cluster yet (${pgdata} does not exist); run \`devenv init\` first`);
}

/** Refuse to run binaries of another major on this cluster (postgres would refuse too, less clearly). */
export function checkMajor(pgdata: string, pgMajor: number, binaries: Binaries): void {
  if (pgMajor !== binaries.major) {
    throw new UserError(
      `${pgdata} was made by PostgreSQL ${pgMajor} but the server found is PostgreSQL ` +
        `${binaries.major} (${binaries.bindir}); install PostgreSQL ${pgMajor} (or set PGRES_BINDIR to its bin ` +
        `directory), or run \`devenv reset\` to start over with ${binaries.major} (this deletes the data)`,
    );
  }
}

/** Postgres wants 0700 (or 0750) and the right owner; fix what is ours to fix, say so. */
export function checkDataDirAccess(pgdata: string, account: Account | null, notice: (line: string) => void): void {
  const st = lstatSync(pgdata);
  const expectedUid = account ? account.uid : process.getuid?.();
  if (expectedUid !== undefined && st.uid !== expectedUid) {
    if (account) {
      handOver(pgdata, st.uid, account);
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
    // Through a descriptor of the directory itself: a chmod by path would follow a symlink put there.
    withDirectory(pgdata, (fd) => fchmodSync(fd, 0o700));
    notice(`fixed the mode of ${pgdata} from ${mode.toString(8).padStart(4, '0')} to 0700 (postgres requires it)`);
  }
}

/**
 * A cluster made as root by an older devenv has a root-owned .pgres/devenv, where the account (which
 * now writes the cluster's files) cannot write: give it to the account. No-op when not root.
 */
export function adoptOwnDir(own: string, account: Account | null): void {
  if (!account) return;
  let st: Stats;
  try {
    st = lstatSync(own);
  } catch {
    return;
  }
  if (st.isDirectory() && st.uid !== account.uid) handOver(own, st.uid, account);
}
