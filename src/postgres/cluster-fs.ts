// The one way devenv acts as the cluster's account: write, append to and remove files inside .pgres,
// remove trees, bound postgres' log, and start programs (initdb, postgres) as it. Made once per command
// (preparePostgres, or openClusterFs) and handed down; nothing else needs to know the account.
//
// As root, .pgres belongs to the account postgres runs as, which could swap any file in it for a symlink
// to a file of root's: so root never opens them for writing itself. A /bin/sh child with the account's
// uid and gid does each write (issue 9.2), and a tree is emptied by its owner (removeTree). Bulk work
// (snapshot copies) runs in a node worker that has become the account (snapshot/file-worker.ts), started
// from this object. Reading needs no account (root may read anything): it takes only regular files of
// the cluster's owner (readClusterFile, in project/, as a project is read before any account is known).
// Not root: postgres runs as us, and these are plain file operations.
import { appendFileSync, lstatSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Project } from '../project/project.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { removeTree } from '../util/remove-tree.js';
import { capInPlace, type LogLimits } from '../util/rotating-log.js';
import { shAs } from '../util/run-as.js';
import { cleanEnv } from './child-env.js';
import { type Account, resolveAccount } from './privileges.js';

export interface ClusterFs {
  /** The account postgres runs as (we are root), or null: we do, and .pgres is ours. */
  readonly account: Account | null;
  /** A whole file (old or new content, never half), its directory made if need be. */
  write(file: string, text: string, mode?: number): void;
  append(file: string, text: string): void;
  /** Several appends and writes, in order, as one step (as root: one child, where each write is one). */
  writeAll(files: FileWrite[]): void;
  /** A file, if it is there. */
  remove(file: string): void;
  /** A file or a whole tree, never through a link planted in it (see removeTree). */
  removeTree(target: string): void;
  /** Bound a log another process appends to (postgres.log): past the limit, copied to <file>.1 and emptied. */
  capLog(file: string, limits: LogLimits): boolean;
  /**
   * How to start `program` with its output appended to `log` in the cluster: as root the account opens
   * the log (a shell with its uid appends, then execs the program, so the pid stays the program's);
   * otherwise we open it and hand the descriptor over (`fd`, which the caller closes after the spawn).
   */
  appendingTo(log: string, program: string, args: string[]): { file: string; args: string[]; fd: number | null };
  /** spawn() options that run a postgres binary as the account, with an environment fit for it. */
  spawnOptions(): { uid?: number; gid?: number; env: NodeJS.ProcessEnv };
}

/** One file of writeAll: `text` appended, or the whole file written (as `write` does, mode 0644 unless given). */
export interface FileWrite {
  file: string;
  text: string;
  append?: boolean;
  mode?: number;
}

// As the account: a fresh temporary file beside the target, renamed over it (a rename replaces a link
// planted there instead of following it). umask 077 until the final mode is set.
const WRITE = `umask 077; t=$1.devenv-tmp.$$
[ -d "$3" ] || mkdir -p -- "$3" || exit 1
if cat > "$t" && chmod "$2" "$t" && mv -f -- "$t" "$1"; then exit 0; fi
rm -f -- "$t"; exit 1`;
const APPEND = 'cat >> "$1"';
// As the account, for each group of four arguments (a or w, file, umask, text): WRITE and APPEND with shell
// built-ins where they have one. The umask gives a written file its final mode from the start.
const WRITE_ALL = `while [ $# -ge 4 ]; do f=$2; t=$4; umask 077
if [ "$1" = a ]; then printf '%s' "$t" >> "$f" || exit 1
else [ -d "\${f%/*}" ] || mkdir -p -- "\${f%/*}" || exit 1; n=$f.devenv-tmp.$$; umask "$3"
if ! { printf '%s' "$t" > "$n" && mv -f -- "$n" "$f"; }; then rm -f -- "$n"; exit 1; fi; fi
shift 4; done`;
const REMOVE = 'rm -f -- "$1"';
// As the account: shift <file>.1 … to .2 …, copy the log to .1, empty it in place (postgres keeps appending).
const CAP = `f=$1; k=$2; i=$((k - 1))
while [ "$i" -ge 1 ]; do if [ -e "$f.$i" ]; then mv -f -- "$f.$i" "$f.$((i + 1))" || exit 1; fi; i=$((i - 1)); done
if [ "$k" -gt 0 ]; then cp -- "$f" "$f.1" || exit 1; fi
: > "$f"`;
const APPENDING = 'l=$1; d=$2; shift 2; [ -d "$d" ] || mkdir -p -- "$d" || exit 1; exec "$@" >>"$l" 2>&1';

/** Not root: plain file operations, in this process. */
function ourOwn(): ClusterFs {
  return {
    account: null,
    write: (file, text, mode = 0o644) => writeFileAtomic(file, text, { mkdir: true, mode }),
    append: (file, text) => appendFileSync(file, text),
    writeAll(files) {
      for (const { file, text, append, mode } of files) {
        if (append) appendFileSync(file, text);
        else writeFileAtomic(file, text, { mkdir: true, mode: mode ?? 0o644 });
      }
    },
    remove: (file) => rmSync(file, { force: true }),
    removeTree,
    capLog: (file, limits) => capInPlace(file, limits),
    appendingTo(log, program, args) {
      mkdirSync(path.dirname(log), { recursive: true });
      return { file: program, args, fd: openSync(log, 'a', 0o644) };
    },
    spawnOptions: () => ({ env: cleanEnv(null) }),
  };
}

/** Root: every write a short shell with the account's uid and gid. */
function asAccount(account: Account): ClusterFs {
  const as = (what: string, file: string, script: string, args: string[], input?: string) => {
    try {
      shAs(account, script, args, input);
    } catch (err) {
      throw new Error(`${what} ${file} as the account that runs postgres failed: ${(err as Error).message}`);
    }
  };
  const exists = (file: string) => {
    try {
      return lstatSync(file);
    } catch {
      return null; // nothing there: no child process needed
    }
  };
  return {
    account,
    write: (file, text, mode = 0o644) => as('writing', file, WRITE, [file, mode.toString(8), path.dirname(file)], text),
    append: (file, text) => as('appending to', file, APPEND, [file], text),
    writeAll(files) {
      const args = files.flatMap(({ file, text, append, mode = 0o644 }) => [
        append ? 'a' : 'w',
        file,
        (0o777 & ~mode).toString(8).padStart(3, '0'),
        text,
      ]);
      as('writing', files.map((f) => f.file).join(', '), WRITE_ALL, args);
    },
    remove(file) {
      if (exists(file)) as('removing', file, REMOVE, [file]);
    },
    removeTree,
    capLog(file, limits) {
      const st = exists(file);
      if (!st?.isFile() || st.size <= limits.maxBytes) return false;
      as('rotating', file, CAP, [file, String(limits.keep)]);
      return true;
    },
    appendingTo: (log, program, args) => ({
      file: '/bin/sh',
      args: ['-c', APPENDING, 'sh', log, path.dirname(log), program, ...args],
      fd: null,
    }),
    spawnOptions: () => ({ uid: account.uid, gid: account.gid, env: cleanEnv(account) }),
  };
}

/** Acting as `account` (null: as ourselves). */
export function clusterFs(account: Account | null): ClusterFs {
  return account ? asAccount(account) : ourOwn();
}

/** For commands that need no binaries (reset, logs, snapshot list): the account devenv.json and PGRES_RUN_AS name. */
export function openClusterFs(project: Pick<Project, 'config'>): ClusterFs {
  return clusterFs(resolveAccount(project.config.postgres.runAs));
}
