// The one way devenv writes its own files (their paths are in ProjectPaths). Two kinds:
//
// - Runtime files (logs, state, locks) are ours alone. For an ordinary user they are in .pgres/devenv, as
//   always. As root they are in root's private directory outside the project, and every write first
//   checks that no other account could rename or replace a directory on the way there.
// - Cluster files (markers, TCP port and password, pg_hba.conf, postgresql.conf) stay in .pgres. As root,
//   .pgres belongs to the account postgres runs as, which could swap any of them for a symlink to a file
//   of root's: so root never opens them for writing itself; a child process with the account's uid and
//   gid does the write (issue 9.2). Reading them (root may read anything) refuses symlinks and files
//   of another owner, so root is not made to read something else either.
import { appendFileSync, createWriteStream, lstatSync, mkdirSync, openSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readRegular } from '../util/no-follow.js';
import { checkPrivatePath, ensurePrivateDir, UntrustedPathError } from '../util/private-path.js';
import { type Identity, shAs } from '../util/run-as.js';
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

/** A runtime log we append lines to ourselves. */
export function ownLogStream(file: string): WriteStream {
  ensureOwnDir(file);
  return createWriteStream(file, { flags: 'a', mode: 0o644 });
}

/** Who writes the cluster's files: the account postgres runs as (we are root), or null (we write them). */
export type ClusterOwner = Identity | null;

// As the account: a fresh temporary file beside the target, renamed over it (a rename replaces a link
// planted there instead of following it). umask 077 until the final mode is set.
const WRITE = `umask 077; t=$1.devenv-tmp.$$
[ -d "$3" ] || mkdir -p -- "$3" || exit 1
if cat > "$t" && chmod "$2" "$t" && mv -f -- "$t" "$1"; then exit 0; fi
rm -f -- "$t"; exit 1`;
const APPEND = 'cat >> "$1"';
const REMOVE = 'rm -f -- "$1"';

function asOwner(owner: Identity, what: string, file: string, script: string, args: string[], input?: string): void {
  try {
    shAs(owner, script, args, input);
  } catch (err) {
    throw new Error(`${what} ${file} as the account that runs postgres failed: ${(err as Error).message}`);
  }
}

/** Write a whole file of the cluster (old or new content, never half), creating its directory. */
export function writeClusterFile(file: string, text: string, owner: ClusterOwner, mode = 0o644): void {
  if (!owner) {
    writeFileAtomic(file, text, { mkdir: true, mode });
    return;
  }
  asOwner(owner, 'writing', file, WRITE, [file, mode.toString(8), path.dirname(file)], text);
}

/** Append to a file of the cluster (postgresql.conf). */
export function appendClusterFile(file: string, text: string, owner: ClusterOwner): void {
  if (!owner) {
    appendFileSync(file, text);
    return;
  }
  asOwner(owner, 'appending to', file, APPEND, [file], text);
}

/** Remove a file of the cluster if it is there. */
export function removeClusterFile(file: string, owner: ClusterOwner): void {
  if (!owner) {
    rmSync(file, { force: true });
    return;
  }
  try {
    lstatSync(file);
  } catch {
    return; // nothing there: no child process needed
  }
  asOwner(owner, 'removing', file, REMOVE, [file]);
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

/**
 * How to start a program whose output goes to a log inside the cluster: as root the account opens the
 * log itself (a shell with its uid appends, then execs the program, so the pid stays the program's);
 * otherwise we open it and hand the descriptor over (`fd`, which the caller closes after the spawn).
 */
export function appendingTo(
  log: string,
  owner: ClusterOwner,
  program: string,
  args: string[],
): { file: string; args: string[]; fd: number | null } {
  if (!owner) {
    mkdirSync(path.dirname(log), { recursive: true });
    return { file: program, args, fd: openSync(log, 'a', 0o644) };
  }
  const script = 'l=$1; d=$2; shift 2; [ -d "$d" ] || mkdir -p -- "$d" || exit 1; exec "$@" >>"$l" 2>&1';
  return { file: '/bin/sh', args: ['-c', script, 'sh', log, path.dirname(log), program, ...args], fd: null };
}
