// The one way devenv writes its own runtime files (logs, state, locks; their paths are in ProjectPaths),
// and the rule for reading the cluster's.
//
// - Runtime files are ours alone. For an ordinary user they are in .pgres/devenv, as always. As root
//   they are in root's private directory outside the project, and every write first checks that no
//   other account could rename or replace a directory on the way there.
// - Cluster files (markers, TCP port and password, pg_hba.conf, postgresql.conf) stay in .pgres. As root
//   .pgres belongs to the account postgres runs as: writing them is that account's (postgres/cluster-fs.ts).
//   Reading them (root may read anything) refuses symlinks and files of another owner, so root is not
//   made to read something else either; a project is read before any account is known, hence here.
import { lstatSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readRegular } from '../util/no-follow.js';
import { checkPrivatePath, ensurePrivateDir, UntrustedPathError } from '../util/private-path.js';
import { capInPlace, type LogLimits, type LogProblems, RotatingLog } from '../util/rotating-log.js';
import { isRootUser } from './paths.js';

/** Write a whole runtime file (readers see the old or the new content, never half), creating its directory. */
export function writeOwnFile(file: string, text: string, mode = 0o644): void {
  ensureOwnDir(file);
  writeFileAtomic(file, text, { mode });
}

export function removeOwnFile(file: string): void {
  if (isRootUser()) privately(path.dirname(file), checkPrivatePath);
  rmSync(file, { force: true });
}

/** The directory of a runtime file (a lock, a marker, a log) we are about to create. */
export function ensureOwnDir(file: string): void {
  const dir = path.dirname(file);
  if (isRootUser()) privately(dir, ensurePrivateDir);
  else mkdirSync(dir, { recursive: true });
}

/** As root: the runtime dir must be root's alone all the way (see ensurePrivateDir), or one clear line. */
function privately(dir: string, check: (dir: string) => void): void {
  try {
    check(dir);
  } catch (err) {
    if (!(err instanceof UntrustedPathError)) throw err;
    throw new UserError(
      `devenv (as root) keeps its logs and state in ${dir}, but ${err.message}; make it root's alone, or set ` +
        'XDG_STATE_HOME to a directory only root can write',
    );
  }
}

/** A runtime log opened for appending, as a descriptor for a child's stdout/stderr. The caller closes it. */
export function openOwnLog(file: string): number {
  ensureOwnDir(file);
  return openSync(file, 'a', 0o644);
}

/** A runtime log we append lines to ourselves, rotated at `limits` (<file>.1 … .<keep>, in the same directory). */
export function ownLogFile(file: string, limits: LogLimits, problems?: LogProblems): RotatingLog {
  ensureOwnDir(file);
  return new RotatingLog(file, limits, problems);
}

/** Bound a runtime log another process appends to (up.log): copied to <file>.1 and emptied in place past the limit. */
export function capOwnLog(file: string, limits: LogLimits): boolean {
  if (isRootUser()) privately(path.dirname(file), checkPrivatePath);
  return capInPlace(file, limits);
}

/**
 * The text of a small file of the cluster, or null: only a regular file (not a symlink, FIFO or device)
 * owned by whoever owns the cluster directory, or by us (files older devenv versions wrote as root).
 */
export function readClusterFile(pgdata: string, file: string): string | null {
  let clusterUid: number;
  try {
    clusterUid = lstatSync(pgdata).uid;
  } catch {
    return null;
  }
  const text = readRegular(file, clusterUid);
  if (text !== null || clusterUid === process.getuid?.()) return text;
  return readRegular(file, process.getuid?.());
}
