import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, UserError } from '../errors.js';
import { platform } from '../platform/platform.js';
import { processGone } from '../util/liveness.js';
import { DATA, LOCK_FILE, MANIFEST, READY_PREFIX, READY_WORK_PREFIX, SWAP_JOURNAL, WORK_PREFIXES } from './layout.js';
import { readJournal, runSwap, startSwap } from './swap.js';
import { type CopyMode, copyTree } from './tree-copy.js';
import { copyWal, stoppedClusterRange, type WalRange } from './wal-range.js';

/**
 * Every change a snapshot command makes to files inside .pgres, as one table of operations. They run
 * in our own process, or (devenv running as root) in a worker that has become the account owning
 * .pgres, so root never creates, copies or deletes through paths that account controls. Keep this
 * module and its imports small (node's own modules and a few helpers): the worker loads them.
 */

export interface LockHolder {
  pid: number;
  op: string;
}

export function readLock(dir: string): LockHolder | null {
  try {
    const [pid, op] = readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, op: op || 'snapshot' } : null;
  } catch {
    return null;
  }
}

/** The id in a snapshot's manifest (read by the account itself: its own files), or null. */
function snapshotId(dir: string, name: string): string | null {
  try {
    const id = (JSON.parse(readFileSync(path.join(dir, name, MANIFEST), 'utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && /^[0-9a-f]+$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

function snapshotIds(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const id = snapshotId(dir, name);
    if (id) ids.add(id);
  }
  return ids;
}

function workPid(name: string): number | null {
  const prefix = WORK_PREFIXES.find((p) => name.startsWith(p));
  if (!prefix) return null;
  const pid = Number(name.slice(prefix.length).split('-')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const fileOps = {
  /** The snapshots directory, 0700 like the data directory around it. */
  async ensureDir(a: { dir: string }): Promise<void> {
    mkdirSync(a.dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(a.dir);
    if (!st.isDirectory()) throw new UserError(`${a.dir} is not a directory; move it away and run again`);
  },

  /** Take the cluster's snapshot lock for `owner`; a lock whose owner is gone is taken over. */
  async lock(a: { dir: string; owner: number; op: string }): Promise<{ ok: true } | { holder: LockHolder }> {
    const file = path.join(a.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o644);
        writeSync(fd, `${a.owner}\n${a.op}\n`);
        closeSync(fd);
        return { ok: true };
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      const holder = readLock(a.dir);
      if (holder && holder.pid !== a.owner && !processGone(holder.pid)) return { holder };
      rmSync(file, { force: true });
    }
    return { holder: readLock(a.dir) ?? { pid: 0, op: 'snapshot' } };
  },

  async unlock(a: { dir: string; owner: number }): Promise<void> {
    if (readLock(a.dir)?.pid === a.owner) rmSync(path.join(a.dir, LOCK_FILE), { force: true });
  },

  /**
   * Finish a restore's swap whose processes are gone, then remove work dirs whose process is gone
   * (a save or restore killed midway). Returns what was cleaned, for a note.
   */
  async tidy(a: { dir: string }): Promise<{ removed: string[]; finishedSwap: boolean }> {
    const journalFile = path.join(a.dir, SWAP_JOURNAL);
    let journal = readJournal(journalFile);
    let finishedSwap = false;
    if (journal && processGone(journal.owner) && processGone(journal.worker)) {
      runSwap(journalFile, journal);
      finishedSwap = true;
      journal = null;
    }
    const removed: string[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(a.dir);
    } catch {
      return { removed, finishedSwap };
    }
    for (const name of names) {
      const pid = workPid(name);
      if (pid === null || (pid !== process.pid && !processGone(pid))) continue;
      const full = path.join(a.dir, name);
      if (journal && (full === journal.staging || full === journal.trash)) continue;
      rmSync(full, { recursive: true, force: true });
      removed.push(name);
    }
    // Ready copies of snapshots that were removed (or replaced under the same name).
    const ids = snapshotIds(a.dir);
    for (const name of names) {
      if (name.startsWith(READY_PREFIX) && !ids.has(name.slice(READY_PREFIX.length))) {
        rmSync(path.join(a.dir, name), { recursive: true, force: true });
      }
    }
    return { removed, finishedSwap };
  },

  /** A fresh work dir `<prefix><pid>-<random>` (0700) in the snapshots dir. */
  async makeWorkDir(a: { dir: string; prefix: string }): Promise<string> {
    const dir = path.join(a.dir, `${a.prefix}${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  },

  async mkdir(a: { dir: string }): Promise<void> {
    mkdirSync(a.dir, { mode: 0o700 });
  },

  copyTree(a: { from: string; to: string; mode: CopyMode }) {
    return copyTree(a.from, a.to, a.mode);
  },

  syncTree(a: { dir: string }) {
    return platform().flushTree(a.dir);
  },

  async stoppedClusterRange(a: { pgdata: string }): Promise<WalRange | null> {
    return stoppedClusterRange(a.pgdata);
  },

  copyWal(a: { fromWal: string; toWal: string; range: WalRange | null; lastOptional?: boolean }) {
    return copyWal(a.fromWal, a.toWal, a.range, { lastOptional: a.lastOptional });
  },

  /** Create a file that must not exist yet (never through a symlink). */
  async writeFile(a: { file: string; content: string }): Promise<void> {
    const fd = openSync(a.file, 'wx', 0o600);
    try {
      writeSync(fd, a.content);
    } finally {
      closeSync(fd);
    }
  },

  /** Rename a finished work dir to its final name; the name must still be free. */
  async commit(a: { from: string; to: string }): Promise<void> {
    if (existsSync(a.to)) throw new UserError(`a snapshot named "${path.basename(a.to)}" already exists`);
    renameSync(a.from, a.to);
    syncDir(path.dirname(a.to));
  },

  /** Rename first, then delete: an interrupted delete leaves a work dir, never half a snapshot. */
  async remove(a: { dir: string; target: string }): Promise<void> {
    const trash = path.join(a.dir, `.trash-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    renameSync(a.target, trash);
    rmSync(trash, { recursive: true, force: true });
  },

  /** Delete a work dir or file of ours (no error when it is not there). */
  async removePath(a: { path: string }): Promise<void> {
    rmSync(a.path, { recursive: true, force: true });
  },

  /**
   * Make the ready copy of snapshot `name` (run in the background, see file-worker.ts): copy, flush,
   * then rename into place, unless the snapshot was removed or replaced meanwhile. Keeps only this one.
   */
  async prepareReadyCopy(a: { dir: string; name: string; id: string }): Promise<void> {
    const ready = path.join(a.dir, `${READY_PREFIX}${a.id}`);
    if (snapshotId(a.dir, a.name) !== a.id || existsSync(ready)) return;
    const work = await fileOps.makeWorkDir({ dir: a.dir, prefix: READY_WORK_PREFIX });
    try {
      await copyTree(path.join(a.dir, a.name, DATA), work, 'all');
      await platform().flushTree(work);
      if (snapshotId(a.dir, a.name) === a.id) {
        try {
          renameSync(work, ready);
        } catch {
          // Another job made it first.
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    for (const name of readdirSync(a.dir)) {
      if (name.startsWith(READY_PREFIX) && name !== path.basename(ready)) {
        rmSync(path.join(a.dir, name), { recursive: true, force: true });
      }
    }
  },

  /** Take the ready copy of snapshot `id` as `to` (an empty dir it replaces). False when there is none. */
  async takeReadyCopy(a: { dir: string; id: string; to: string }): Promise<boolean> {
    try {
      renameSync(path.join(a.dir, `${READY_PREFIX}${a.id}`), a.to);
      return true;
    } catch {
      return false; // none, or taken by a concurrent restore
    }
  },

  /** `rm -rf` that outlives us (detached); a work dir it does not finish is removed by the next tidy(). */
  async removeInBackground(a: { path: string }): Promise<void> {
    const child = spawn('rm', ['-rf', '--', a.path], { cwd: '/', detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  },

  async swap(a: {
    dir: string;
    owner: number;
    pgdata: string;
    staging: string;
    trash: string;
    after?: { file: string; content: string };
  }): Promise<void> {
    startSwap(path.join(a.dir, SWAP_JOURNAL), {
      owner: a.owner,
      pgdata: a.pgdata,
      staging: a.staging,
      trash: a.trash,
      ...(a.after ? { after: a.after } : {}),
    });
  },
};

export type FileOps = typeof fileOps;
export type OpName = keyof FileOps;
